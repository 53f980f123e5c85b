#include "model/arn.h"

#include <fmt/format.h>

#include "model/region.h"

namespace gantry::model {

std::string ClusterArn(const Account& a, const std::string& cluster) {
  return fmt::format("arn:aws:ecs:{}:{}:cluster/{}", a.region, a.account_id, cluster);
}
std::string TaskDefinitionArn(const Account& a, const std::string& family, int revision) {
  return fmt::format("arn:aws:ecs:{}:{}:task-definition/{}:{}", a.region, a.account_id, family,
                     revision);
}
std::string TaskArn(const Account& a, const std::string& cluster, const std::string& task_id) {
  return fmt::format("arn:aws:ecs:{}:{}:task/{}/{}", a.region, a.account_id, cluster, task_id);
}
std::string ContainerArn(const Account& a, const std::string& cluster, const std::string& task_id,
                         const std::string& uuid) {
  return fmt::format("arn:aws:ecs:{}:{}:container/{}/{}/{}", a.region, a.account_id, cluster,
                     task_id, uuid);
}

bool IsValidName(const std::string& s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<TaskDefinitionRef> ParseTaskDefinitionRef(const std::string& in) {
  std::string s = in;
  TaskDefinitionRef ref;
  if (s.rfind("arn:", 0) == 0) {
    auto pos = s.find(":task-definition/");
    if (pos == std::string::npos) return std::nullopt;
    ref.region = RegionOfArn(s);
    s = s.substr(pos + std::string(":task-definition/").size());
  }
  auto colon = s.find(':');
  if (colon == std::string::npos) {
    ref.family = s;
  } else {
    ref.family = s.substr(0, colon);
    std::string rev = s.substr(colon + 1);
    if (rev.empty() || rev.size() > 9) return std::nullopt;
    int n = 0;
    for (char c : rev) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n <= 0) return std::nullopt;
    ref.revision = n;
  }
  if (!IsValidName(ref.family)) return std::nullopt;
  return ref;
}

std::optional<std::string> ParseTaskId(const std::string& in) {
  std::string s = in;
  if (s.rfind("arn:", 0) == 0) {
    auto pos = s.rfind('/');
    if (pos == std::string::npos || s.find(":task/") == std::string::npos) return std::nullopt;
    s = s.substr(pos + 1);
  }
  if (s.size() != 32) return std::nullopt;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return s;
}

}  // namespace gantry::model
