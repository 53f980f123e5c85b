// ECS-style ARNs and short-name resolution (cluster name, family[:rev], task id).
#pragma once

#include <optional>
#include <string>

namespace gantry::model {

struct Account {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

std::string ClusterArn(const Account& a, const std::string& cluster);
std::string TaskDefinitionArn(const Account& a, const std::string& family, int revision);
std::string TaskArn(const Account& a, const std::string& cluster, const std::string& task_id);
std::string ContainerArn(const Account& a, const std::string& cluster, const std::string& task_id,
                         const std::string& uuid);

// "family", "family:3" or a task-definition ARN -> (family, revision or nullopt for latest).
struct TaskDefinitionRef {
  std::string family;
  std::optional<int> revision;
  std::string region;  // the ARN's region; "" for a short name
};
std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(const std::string& s);

// A 32-hex task id or a task ARN -> the task id; nullopt when it is neither.
std::optional<std::string> ParseTaskId(const std::string& s);

bool IsValidName(const std::string& s, size_t max_len = 255);  // [A-Za-z0-9_-]+

}  // namespace gantry::model
