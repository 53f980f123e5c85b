// TaskService: run, describe, list and stop tasks; the one place task records change, whether the
// change comes from a client (native REST, ECS API), the scheduler or an agent report.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/task.h"
#include "services/cluster_service.h"
#include "services/task_definition_service.h"
#include "store/store.h"

namespace gantry::services {

struct RunTaskRequest {
  std::string task_definition;  // family[:rev] or ARN
  // The caller's region; "" = the region of a task definition ARN, else the server's default.
  std::string region;
  std::string cluster = "default";
  int count = 1;
  std::string started_by;
  std::string group;
  std::string launch_type;  // "" = FARGATE
  std::vector<model::Tag> tags;
  const boost::json::object* overrides = nullptr;  // ECS overrides shape
  // Services keep launching a revision that was deregistered after they started using it (ECS).
  bool allow_inactive_definition = false;
};

// Parses the ECS/native RunTask body (taskDefinition, count, startedBy, group, tags, overrides).
Result<RunTaskRequest> ParseRunTaskRequest(const boost::json::object& body);

struct TaskFilter {
  std::string region;  // "" = every region
  std::string cluster;
  std::string family;
  std::string desired_status;  // RUNNING | STOPPED | "" (any)
  std::string last_status;
  std::string started_by;
  std::string node_id;
};

// What an agent reports about one task: only the fields it owns.
struct ContainerReport {
  std::string name;
  std::string last_status;
  std::optional<int> exit_code;
  std::string reason;
  std::string runtime_id;
  std::string image_digest;
  std::string health_status;  // HEALTHY | UNHEALTHY | UNKNOWN; empty = unchanged
};
struct TaskReport {
  std::string task_id;
  std::string last_status;
  std::vector<ContainerReport> containers;
  int64_t pull_started_at_ms = 0;
  int64_t pull_stopped_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t execution_stopped_at_ms = 0;
  std::string stop_code;       // set only when the agent decides why the task stopped
  std::string stopped_reason;
  model::TaskNetwork network;  // set with the RUNNING report
  std::string health_status;   // task-level; empty = unchanged
};

class TaskService {
 public:
  TaskService(store::Store& store, const Clock& clock, TaskDefinitionService& taskdefs)
      : store_(store), clock_(clock), taskdefs_(taskdefs),
        clusters_(store, clock, taskdefs.account()) {}

  // Checked by Run before any task is written (e.g. host ports and free IPs on the node):
  // an error is returned to the caller and nothing is created.
  using Admission = std::function<Result<void>(const model::TaskDefinition& td, int count)>;
  void SetAdmission(Admission a) { admission_ = std::move(a); }

  // Creates `count` tasks atomically in PROVISIONING; the scheduler places them.
  Result<std::vector<model::Task>> Run(const RunTaskRequest& req);
  Result<model::Task> Describe(const std::string& id_or_arn);
  // Newest first.
  Result<std::vector<model::Task>> List(const TaskFilter& filter);
  // Sets desiredStatus STOPPED with a stop code and reason; a task not yet placed stops at once.
  Result<model::Task> Stop(const std::string& id_or_arn, const std::string& reason,
                           const std::string& stop_code = model::stop_code::kUserInitiated);

  // Adds (replacing same keys) and removes tags.
  Result<model::Task> Tag(const std::string& id_or_arn, const std::vector<model::Tag>& add,
                          const std::vector<std::string>& remove_keys);

  // Service scheduler: takes the task out of service (drainingAt) before it is stopped; the
  // load-balancer deregistration hook. Idempotent.
  Result<model::Task> MarkDraining(const std::string& task_id);

  // Scheduler: place a PROVISIONING task on a node (moves it to PENDING).
  Result<model::Task> Assign(const std::string& task_id, const std::string& node_id);
  // Agent: apply a status report. lastStatus only moves forward; STOPPED is final.
  Result<model::Task> ApplyReport(const TaskReport& report);

  // Deletes STOPPED tasks whose stoppedAt is older than `max_age_ms`. Returns how many.
  Result<int> CollectStopped(int64_t max_age_ms);

  static constexpr const char* kKind = "task";

 private:
  // Read-modify-write with optimistic concurrency; `fn` returns false to skip the write.
  Result<model::Task> Update(const std::string& task_id,
                             const std::function<Result<bool>(model::Task&)>& fn);

  store::Store& store_;
  const Clock& clock_;
  TaskDefinitionService& taskdefs_;
  Admission admission_;
  ClusterService clusters_;
};

}  // namespace gantry::services
