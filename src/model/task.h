// Task: one run of a task definition, as ECS shows it (lastStatus/desiredStatus, containers with
// exit codes, stopCode/stoppedReason, timestamps), plus the placement the scheduler chose.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/task_definition.h"

namespace gantry::model {

// lastStatus values in lifecycle order.
namespace status {
inline constexpr const char* kProvisioning = "PROVISIONING";
inline constexpr const char* kPending = "PENDING";
inline constexpr const char* kActivating = "ACTIVATING";
inline constexpr const char* kRunning = "RUNNING";
inline constexpr const char* kDeactivating = "DEACTIVATING";
inline constexpr const char* kStopping = "STOPPING";
inline constexpr const char* kDeprovisioning = "DEPROVISIONING";
inline constexpr const char* kStopped = "STOPPED";
}  // namespace status
// Position in the lifecycle (PROVISIONING=0 ... STOPPED=7); -1 for unknown strings.
int StatusRank(const std::string& s);

namespace stop_code {
inline constexpr const char* kTaskFailedToStart = "TaskFailedToStart";
inline constexpr const char* kEssentialContainerExited = "EssentialContainerExited";
inline constexpr const char* kUserInitiated = "UserInitiated";
inline constexpr const char* kServiceSchedulerInitiated = "ServiceSchedulerInitiated";
}  // namespace stop_code

// healthStatus values of tasks and containers, as ECS reports them.
namespace health_status {
inline constexpr const char* kHealthy = "HEALTHY";
inline constexpr const char* kUnhealthy = "UNHEALTHY";
inline constexpr const char* kUnknown = "UNKNOWN";
}  // namespace health_status
// stoppedReason of a task stopped because an essential container turned UNHEALTHY (ECS wording).
inline constexpr const char* kFailedHealthChecksReason = "Task failed container health checks";

struct ContainerOverride {
  std::string name;
  std::optional<std::vector<std::string>> command;
  std::vector<KeyValue> environment;
  std::optional<int64_t> cpu;
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_reservation;
};

struct TaskOverrides {
  std::optional<int64_t> cpu;
  std::optional<int64_t> memory;
  std::vector<ContainerOverride> containers;
  const ContainerOverride* Find(const std::string& name) const;
  bool empty() const { return !cpu && !memory && containers.empty(); }
};
Result<TaskOverrides> ParseOverrides(const boost::json::object* o, const TaskDefinition& td);
boost::json::object ToJson(const TaskOverrides& o);

struct Container {
  std::string container_arn;
  std::string name;
  std::string image;
  std::string image_digest;
  std::string runtime_id;
  std::string last_status = status::kPending;
  std::optional<int> exit_code;
  std::string reason;
  int64_t cpu = 0;
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_reservation;
  bool essential = true;
  // HEALTHY | UNHEALTHY | UNKNOWN: the result of its healthCheck; UNKNOWN without one.
  std::string health_status = health_status::kUnknown;
  std::string log_group;   // where its output is stored (LogStore group/stream)
  std::string log_stream;
};

// The task's network attachment, reported by the agent once the task runs.
struct TaskNetwork {
  std::string mode;  // awsvpc | host | none
  std::string ipv4;
  std::string mac;
  std::string subnet_cidr;
  std::string gateway;
};

struct Task {
  std::string id;  // 32 hex
  std::string arn;
  std::string cluster = "default";
  std::string cluster_arn;
  std::string task_definition_arn;
  std::string family;
  int revision = 0;
  std::string last_status = status::kProvisioning;
  std::string desired_status = "RUNNING";
  int64_t cpu = 0;     // effective units
  int64_t memory = 0;  // effective MiB
  std::vector<Container> containers;
  TaskOverrides overrides;
  std::string started_by;
  std::string group;
  std::string launch_type = "FARGATE";
  std::vector<Tag> tags;
  int64_t created_at_ms = 0;
  int64_t pull_started_at_ms = 0;
  int64_t pull_stopped_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t stopping_at_ms = 0;
  int64_t execution_stopped_at_ms = 0;
  int64_t stopped_at_ms = 0;
  std::string stop_code;
  std::string stopped_reason;
  std::string node_id;  // placement; empty until scheduled
  TaskNetwork network;
  int64_t version = 1;  // bumped on every change (ECS "version")
  // HEALTHY | UNHEALTHY | UNKNOWN, as ECS reports it. Set by whoever runs health checks; the
  // service controller replaces UNHEALTHY tasks of a service.
  std::string health_status = "UNKNOWN";
  // When a service scheduler took this task out of service before stopping it (the hook for
  // load-balancer deregistration); 0 while it is in service.
  int64_t draining_at_ms = 0;

  Container* FindContainer(const std::string& name);
  bool IsStopped() const { return last_status == status::kStopped; }
};

boost::json::object ToApiJson(const Task& t);
std::string ToStoreJson(const Task& t);
Result<Task> TaskFromStoreJson(const std::string& text);

}  // namespace gantry::model
