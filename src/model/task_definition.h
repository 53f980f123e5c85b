// TaskDefinition and ContainerDefinition: ECS-shaped value types, their validation and JSON
// mapping. Fields gantry does not interpret yet are kept verbatim in `extra` so they round-trip.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/arn.h"

namespace gantry::model {

struct KeyValue {
  std::string name;
  std::string value;
};

struct Tag {
  std::string key;
  std::string value;
};

struct LogConfiguration {
  std::string log_driver;                      // "awslogs", ...
  std::map<std::string, std::string> options;  // awslogs-group, awslogs-stream-prefix, ...
};

// ECS container healthCheck, validated (ECS ranges) and with ECS's defaults filled in.
struct HealthCheck {
  // {"CMD", exe, args...} runs exe directly; {"CMD-SHELL", cmd} runs `/bin/sh -c cmd` (Docker).
  std::vector<std::string> command;
  int interval_s = 30;     // 5-300: between the end of one probe and the start of the next
  int timeout_s = 5;       // 2-60: a probe running longer is a failure
  int retries = 3;         // 1-10: consecutive failures that make the container UNHEALTHY
  int start_period_s = 0;  // 0-300: failures in this window after start do not count

  // The argv run inside the container (Docker's mapping of CMD / CMD-SHELL).
  std::vector<std::string> Argv() const;
};

// Parses and validates a container's `healthCheck` object; `container` names it in messages.
Result<HealthCheck> ParseHealthCheck(const boost::json::object& o, std::string_view container);
boost::json::object ToJson(const HealthCheck& hc);

struct ContainerDefinition {
  std::string name;
  std::string image;
  std::optional<std::vector<std::string>> command;
  std::optional<std::vector<std::string>> entry_point;
  std::vector<KeyValue> environment;
  std::string working_directory;
  std::string user;
  int64_t cpu = 0;                           // cpu units; 0 = share of the task
  std::optional<int64_t> memory;             // MiB, hard limit
  std::optional<int64_t> memory_reservation; // MiB, soft limit
  bool essential = true;
  std::optional<int> stop_timeout;           // seconds
  std::optional<LogConfiguration> log_configuration;
  std::optional<HealthCheck> health_check;
  boost::json::object extra;                 // portMappings, ... (kept verbatim)
};

inline constexpr int64_t kMinContainerMemoryMiB = 6;
inline constexpr int kDefaultStopTimeoutS = 30;
inline constexpr int kMaxStopTimeoutS = 120;
inline constexpr int64_t kDefaultTaskCpu = 256;
inline constexpr int64_t kDefaultTaskMemoryMiB = 512;

struct TaskDefinition {
  std::string family;
  int revision = 0;
  std::string arn;
  std::vector<ContainerDefinition> containers;
  std::optional<int64_t> cpu;     // task-level cpu units (1024 = 1 vCPU)
  std::optional<int64_t> memory;  // task-level MiB
  std::string network_mode;       // "awsvpc" (default), "host", "none", "bridge"
  std::vector<std::string> requires_compatibilities;
  std::string status = "ACTIVE";  // ACTIVE | INACTIVE
  int64_t registered_at_ms = 0;
  int64_t deregistered_at_ms = 0;
  std::vector<Tag> tags;
  boost::json::object extra;

  const ContainerDefinition* FindContainer(const std::string& name) const;
  // Task size when the definition has none: sum of containers, else Fargate's smallest size.
  int64_t EffectiveCpu() const;
  int64_t EffectiveMemoryMiB() const;
};

// Parses and validates a RegisterTaskDefinition request body (family, containerDefinitions, ...).
// Messages follow ECS ("Invalid setting for container 'x'. At least 6 megabytes of memory
// required.").
Result<TaskDefinition> ParseTaskDefinitionRequest(const boost::json::object& body);

// Validates task-level cpu/memory as Fargate sizes them (when `fargate`), or as positive values.
Result<void> ValidateTaskSize(std::optional<int64_t> cpu, std::optional<int64_t> memory,
                              bool fargate);

// ECS API shape (timestamps in epoch seconds).
boost::json::object ToApiJson(const TaskDefinition& td);
// Storage shape (lossless; timestamps in ms).
std::string ToStoreJson(const TaskDefinition& td);
Result<TaskDefinition> TaskDefinitionFromStoreJson(const std::string& text);

boost::json::array TagsToJson(const std::vector<Tag>& tags);
Result<std::vector<Tag>> ParseTags(const boost::json::object& o, std::string_view key,
                                   std::string_view path);
Result<std::vector<KeyValue>> ParseKeyValues(const boost::json::object& o, std::string_view key,
                                             std::string_view path);
boost::json::array KeyValuesToJson(const std::vector<KeyValue>& kvs);
double MsToEpochSeconds(int64_t ms);

}  // namespace gantry::model
