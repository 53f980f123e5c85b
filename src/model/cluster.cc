#include "model/cluster.h"

#include <boost/json.hpp>

#include "common/json_util.h"

namespace gantry::model {

namespace json = boost::json;

json::object ToApiJson(const Cluster& c, const ClusterCounts& n, bool with_tags) {
  json::object o{{"clusterArn", c.arn},
                 {"clusterName", c.name},
                 {"status", c.status},
                 {"registeredContainerInstancesCount", 0},
                 {"runningTasksCount", n.running_tasks},
                 {"pendingTasksCount", n.pending_tasks},
                 {"activeServicesCount", n.active_services},
                 {"statistics", json::array{}},
                 {"capacityProviders", json::array{"FARGATE", "FARGATE_SPOT"}},
                 {"defaultCapacityProviderStrategy", json::array{}}};
  o["settings"] = c.settings.empty()
                      ? json::array{json::object{{"name", "containerInsights"}, {"value", "disabled"}}}
                      : c.settings;
  if (with_tags) o["tags"] = TagsToJson(c.tags);
  return o;
}

std::string ToStoreJson(const Cluster& c) {
  return json::serialize(json::object{{"clusterName", c.name},
                                      {"clusterArn", c.arn},
                                      {"status", c.status},
                                      {"tags", TagsToJson(c.tags)},
                                      {"settings", c.settings},
                                      {"createdAt", c.created_at_ms}});
}

Result<Cluster> ClusterFromStoreJson(const std::string& text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInternal, "stored cluster corrupt");
  const auto& o = v.as_object();
  Cluster c;
  GANTRY_ASSIGN_OR_RETURN(auto name, GetString(o, "clusterName", ""));
  GANTRY_ASSIGN_OR_RETURN(auto arn, GetString(o, "clusterArn", ""));
  GANTRY_ASSIGN_OR_RETURN(auto status, GetString(o, "status", ""));
  GANTRY_ASSIGN_OR_RETURN(auto created, GetInt(o, "createdAt", ""));
  GANTRY_ASSIGN_OR_RETURN(c.tags, ParseTags(o, "tags", ""));
  GANTRY_ASSIGN_OR_RETURN(const json::array* settings, GetArray(o, "settings", ""));
  c.name = name.value_or("");
  c.arn = arn.value_or("");
  c.status = status.value_or("ACTIVE");
  c.created_at_ms = created.value_or(0);
  if (settings) c.settings = *settings;
  return c;
}

std::string ClusterNameOf(const std::string& s) {
  if (s.rfind("arn:", 0) == 0) {
    auto pos = s.find(":cluster/");
    if (pos != std::string::npos) return s.substr(pos + 9);
  }
  return s;
}

}  // namespace gantry::model
