// Cluster: an ECS cluster, the namespace tasks and services live in. `default` exists in every
// region until it is deleted. Counts are computed when described, not stored.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/task_definition.h"

namespace gantry::model {

inline constexpr const char* kDefaultCluster = "default";

struct Cluster {
  std::string name;
  std::string arn;
  std::string status = "ACTIVE";  // ACTIVE | INACTIVE
  std::vector<Tag> tags;
  boost::json::array settings;  // [{name: containerInsights, value: ...}], kept verbatim
  int64_t created_at_ms = 0;
};

struct ClusterCounts {
  int running_tasks = 0;
  int pending_tasks = 0;
  int active_services = 0;
};

// ECS shape (DescribeClusters/CreateCluster). `with_tags` for include=[TAGS] and CreateCluster.
boost::json::object ToApiJson(const Cluster& c, const ClusterCounts& counts, bool with_tags);
std::string ToStoreJson(const Cluster& c);
Result<Cluster> ClusterFromStoreJson(const std::string& text);

// "name" or a cluster ARN -> the name; "" stays "" (the caller's default).
std::string ClusterNameOf(const std::string& name_or_arn);

}  // namespace gantry::model
