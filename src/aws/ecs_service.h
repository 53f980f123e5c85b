// EcsService: the Amazon ECS JSON 1.1 dialect (clusters, task definitions, tasks, services, tags)
// over services/. Every call is scoped to the region the client signed with; ARNs name it.
#pragma once

#include <map>
#include <string>

#include "aws/aws_service.h"
#include "common/clock.h"
#include "common/result.h"
#include "services/cluster_service.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/log_store.h"
#include "store/store.h"

namespace gantry::aws {

struct EcsServiceDeps {
  store::Store& store;  // clusters (a ClusterService over it lives in the adapter)
  services::TaskDefinitionService& taskdefs;
  services::TaskService& tasks;
  services::ServiceService& services;
  store::LogStore& logs;  // awslogs-create-group and the missing-group check at RunTask
  const Clock& clock;
};

class EcsService final : public AwsService {
 public:
  explicit EcsService(EcsServiceDeps deps);

  std::string TargetPrefix() const override { return "AmazonEC2ContainerServiceV20141113"; }
  std::string SigningName() const override { return "ecs"; }
  std::string ModelName() const override { return "ecs"; }
  AwsResult Call(const AwsCall& call) override;

 private:
  struct Ctx;  // one call: region, input
  using Handler = AwsResult (EcsService::*)(const Ctx&);

  AwsResult CreateCluster(const Ctx& c);
  AwsResult DescribeClusters(const Ctx& c);
  AwsResult ListClusters(const Ctx& c);
  AwsResult DeleteCluster(const Ctx& c);
  AwsResult RegisterTaskDefinition(const Ctx& c);
  AwsResult DescribeTaskDefinition(const Ctx& c);
  AwsResult ListTaskDefinitions(const Ctx& c);
  AwsResult ListTaskDefinitionFamilies(const Ctx& c);
  AwsResult DeregisterTaskDefinition(const Ctx& c);
  AwsResult RunTask(const Ctx& c);
  AwsResult StartTask(const Ctx& c);
  AwsResult StopTask(const Ctx& c);
  AwsResult DescribeTasks(const Ctx& c);
  AwsResult ListTasks(const Ctx& c);
  AwsResult CreateService(const Ctx& c);
  AwsResult UpdateService(const Ctx& c);
  AwsResult DeleteService(const Ctx& c);
  AwsResult DescribeServices(const Ctx& c);
  AwsResult ListServices(const Ctx& c);
  AwsResult TagResource(const Ctx& c);
  AwsResult UntagResource(const Ctx& c);
  AwsResult ListTagsForResource(const Ctx& c);

  // RunTask and StartTask share everything but the launch type.
  AwsResult Launch(const Ctx& c, const std::string& launch_type);
  // The ACTIVE cluster named by `cluster` in the input ("" = default), or ClusterNotFound.
  Result<model::Cluster> ClusterOf(const Ctx& c);
  // Tasks of `td` whose awslogs group is missing and not to be created fail to start (as ECS).
  Result<std::string> PrepareLogGroups(const model::TaskDefinition& td, const std::string& region);
  // A task visible from this call's region, or kNotFound.
  Result<model::Task> TaskInRegion(const Ctx& c, const std::string& id_or_arn);
  Result<model::Service> ServiceInRegion(const Ctx& c, const std::string& cluster,
                                         const std::string& name_or_arn);

  EcsServiceDeps d_;
  services::ClusterService clusters_;
  std::map<std::string, Handler> ops_;
};

}  // namespace gantry::aws
