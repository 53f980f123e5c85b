// ServiceService: create/describe/list/update/delete ECS services on the Store, and the effects
// the service controller applies (start, drain and stop a service's tasks; write its decisions).
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/service.h"
#include "services/cluster_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/store.h"

namespace gantry::services {

struct StoredService {
  model::Service service;
  int64_t revision = 0;  // store revision, for conditional writes
};

class ServiceService {
 public:
  ServiceService(store::Store& store, const Clock& clock, TaskDefinitionService& taskdefs,
                 TaskService& tasks)
      : store_(store), clock_(clock), taskdefs_(taskdefs), tasks_(tasks),
        clusters_(store, clock, taskdefs.account()) {}

  // CreateService body: serviceName, taskDefinition, desiredCount, launchType,
  // networkConfiguration, deploymentConfiguration, healthCheckGracePeriodSeconds, tags.
  // `region`: the caller's ("" = the server's default); the service's ARN names it. Service keys
  // are cluster/name across regions (a name is unique per cluster name, not per region).
  Result<model::Service> Create(const boost::json::object& body, const std::string& region = {});
  // Name or service ARN; INACTIVE services too.
  Result<model::Service> Describe(const std::string& name_or_arn);
  // ACTIVE and DRAINING services of the cluster ("" = every cluster), by name.
  Result<std::vector<model::Service>> List(const std::string& cluster);
  // UpdateService body: desiredCount, taskDefinition, forceNewDeployment,
  // deploymentConfiguration, healthCheckGracePeriodSeconds, networkConfiguration. A new
  // definition or forceNewDeployment starts a new PRIMARY deployment.
  Result<model::Service> Update(const std::string& name_or_arn, const boost::json::object& body);
  // Without force the service must be scaled to 0. Sets DRAINING; the controller stops the
  // tasks and marks it INACTIVE once none is left.
  Result<model::Service> Delete(const std::string& name_or_arn, bool force);

  // ---- used by the service controller
  Result<std::vector<StoredService>> ListStored();
  // Writes the controller's new view of the service if nobody changed it since
  // `expected_revision` (kConflict otherwise: the controller re-reads and decides again).
  Result<int64_t> WriteDecision(const model::Service& s, int64_t expected_revision);
  // Read-modify-write that always lands (retries conflicts): for events and backoff after effects.
  Result<model::Service> Mutate(const std::string& cluster, const std::string& name,
                                const std::function<void(model::Service&)>& fn);
  // Starts `count` tasks of deployment `d` (startedBy = deployment id, group service:<name>).
  Result<std::vector<model::Task>> StartTasks(const model::Service& s, const model::Deployment& d,
                                              int count);
  Result<model::Task> DrainTask(const std::string& task_id);
  Result<model::Task> StopTask(const std::string& task_id, const std::string& reason);

  const Clock& clock() const { return clock_; }

  static constexpr const char* kKind = "service";
  static std::string Key(const std::string& cluster, const std::string& name);

 private:
  Result<StoredService> Load(const std::string& name_or_arn);
  std::string NewDeploymentId() const;
  model::Deployment NewDeployment(const std::string& task_definition_arn, int desired) const;

  store::Store& store_;
  const Clock& clock_;
  TaskDefinitionService& taskdefs_;
  TaskService& tasks_;
  ClusterService clusters_;
};

}  // namespace gantry::services
