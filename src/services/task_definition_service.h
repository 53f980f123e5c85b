// TaskDefinitionService: register/describe/list/deregister task definitions on the Store.
// Shared by the native REST API and the AWS ECS adapter: one behaviour, several dialects.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/arn.h"
#include "model/task_definition.h"
#include "store/store.h"

namespace gantry::services {

class TaskDefinitionService {
 public:
  TaskDefinitionService(store::Store& store, const Clock& clock, model::Account account)
      : store_(store), clock_(clock), account_(std::move(account)) {}

  // Validates the request and stores it as the family's next revision.
  Result<model::TaskDefinition> Register(const boost::json::object& request);
  // "family" (latest ACTIVE), "family:rev" or an ARN.
  Result<model::TaskDefinition> Describe(const std::string& ref);
  // Newest first. status: ACTIVE, INACTIVE or ALL.
  Result<std::vector<model::TaskDefinition>> List(const std::string& family_prefix,
                                                  const std::string& status);
  Result<std::vector<std::string>> ListFamilies(const std::string& family_prefix,
                                                const std::string& status);
  Result<model::TaskDefinition> Deregister(const std::string& ref);

  const model::Account& account() const { return account_; }

 private:
  static std::string Key(const std::string& family, int revision);

  store::Store& store_;
  const Clock& clock_;
  model::Account account_;
};

}  // namespace gantry::services
