// RegisterAwsServices: the one place the server mounts AWS-compatible service adapters (ECS,
// CloudWatch Logs, ...) on the AwsFrontend. Adapters live in src/aws/ next to this file.
#pragma once

#include "aws/aws_frontend.h"
#include "common/clock.h"
#include "common/result.h"
#include "model/arn.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/log_store.h"
#include "store/store.h"

namespace gantry::aws {

// What adapters may use. Add members here as adapters need them (server.cc fills it).
struct AwsServiceDeps {
  store::Store& store;
  store::LogStore& logs;
  services::TaskDefinitionService& taskdefs;
  services::TaskService& tasks;
  services::ServiceService& services;
  const model::Account& account;  // default region and the account id in ARNs
  const Clock& clock;
};

// Registers every AWS adapter (the frontend owns them). Fails when a model is missing.
Result<void> RegisterAwsServices(AwsFrontend& frontend, const AwsServiceDeps& deps);

}  // namespace gantry::aws
