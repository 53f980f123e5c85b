#include "services/cluster_service.h"

#include <algorithm>

#include "model/region.h"
#include "model/service.h"
#include "model/tags.h"
#include "model/task.h"

namespace gantry::services {

namespace {

Result<std::string> ValidName(const std::string& name_or_arn) {
  std::string name = model::ClusterNameOf(name_or_arn);
  if (name.empty()) name = model::kDefaultCluster;
  if (!model::IsValidName(name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "Cluster name '{}' is invalid: up to 255 letters (uppercase and lowercase), "
                     "numbers, hyphens, and underscores are allowed.",
                     name);
  return name;
}

}  // namespace

model::Cluster ClusterService::Implicit(const std::string& region, const std::string& name) const {
  model::Cluster c;
  c.name = name;
  c.arn = model::ClusterArn({region, account_.account_id}, name);
  return c;
}

Result<model::Cluster> ClusterService::Create(const std::string& region_in,
                                              const std::string& name_in,
                                              const std::vector<model::Tag>& tags,
                                              const boost::json::array& settings) {
  const std::string region = Region(region_in);
  GANTRY_ASSIGN_OR_RETURN(std::string name, ValidName(name_in));
  const std::string key = model::RegionalKey(region, name);
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, key));
    model::Cluster c = Implicit(region, name);
    int64_t expected = store::kMustNotExist;
    if (obj) {
      GANTRY_ASSIGN_OR_RETURN(c, model::ClusterFromStoreJson(obj->value));
      if (c.status == "ACTIVE") return c;
      expected = obj->revision;
    }
    c.status = "ACTIVE";
    c.tags = tags;
    c.settings = settings;
    c.created_at_ms = clock_.NowMs();
    auto r = store_.Put(kKind, key, model::ToStoreJson(c), expected);
    if (r.ok()) return c;
    if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kAlreadyExists)
      return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "cluster {} is being changed concurrently", name);
}

Result<model::Cluster> ClusterService::Describe(const std::string& region_in,
                                                const std::string& name_or_arn) {
  const std::string region = Region(region_in);
  GANTRY_ASSIGN_OR_RETURN(std::string name, ValidName(name_or_arn));
  GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, model::RegionalKey(region, name)));
  if (obj) return model::ClusterFromStoreJson(obj->value);
  if (name == model::kDefaultCluster) return Implicit(region, name);
  return MakeError(ErrorCode::kNotFound, "Cluster not found: {}", name);
}

Result<std::vector<model::Cluster>> ClusterService::List(const std::string& region_in) {
  const std::string region = Region(region_in);
  store::ListOptions opts;
  opts.prefix = model::RegionalKey(region, "");
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind, opts));
  std::vector<model::Cluster> out;
  bool saw_default = false;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(model::Cluster c, model::ClusterFromStoreJson(o.value));
    saw_default |= c.name == model::kDefaultCluster;
    if (c.status == "ACTIVE") out.push_back(std::move(c));
  }
  if (!saw_default) out.push_back(Implicit(region, model::kDefaultCluster));
  std::sort(out.begin(), out.end(),
            [](const model::Cluster& a, const model::Cluster& b) { return a.name < b.name; });
  return out;
}

Result<model::ClusterCounts> ClusterService::Counts(const std::string& region_in,
                                                    const std::string& name) {
  const std::string region = Region(region_in);
  model::ClusterCounts n;
  GANTRY_ASSIGN_OR_RETURN(auto tasks, store_.List("task"));
  for (const auto& o : tasks) {
    GANTRY_ASSIGN_OR_RETURN(model::Task t, model::TaskFromStoreJson(o.value));
    if (t.cluster != name || model::RegionOfArn(t.arn) != region || t.IsStopped()) continue;
    if (t.last_status == model::status::kRunning) ++n.running_tasks;
    else if (model::StatusRank(t.last_status) < model::StatusRank(model::status::kRunning))
      ++n.pending_tasks;
  }
  GANTRY_ASSIGN_OR_RETURN(auto services, store_.List("service"));
  for (const auto& o : services) {
    GANTRY_ASSIGN_OR_RETURN(model::Service s, model::ServiceFromStoreJson(o.value));
    if (s.cluster == name && model::RegionOfArn(s.arn) == region &&
        s.status != model::service_status::kInactive)
      ++n.active_services;
  }
  return n;
}

Result<model::Cluster> ClusterService::Delete(const std::string& region_in,
                                              const std::string& name_or_arn) {
  const std::string region = Region(region_in);
  GANTRY_ASSIGN_OR_RETURN(model::Cluster c, Describe(region, name_or_arn));
  if (c.status != "ACTIVE") return MakeError(ErrorCode::kNotFound, "Cluster not found: {}", c.name);
  GANTRY_ASSIGN_OR_RETURN(model::ClusterCounts n, Counts(region, c.name));
  if (n.active_services) return MakeError(ErrorCode::kFailedPrecondition, "{}", kServicesBlockDelete);
  if (n.running_tasks || n.pending_tasks)
    return MakeError(ErrorCode::kFailedPrecondition, "{}", kTasksBlockDelete);
  c.status = "INACTIVE";
  GANTRY_TRY(store_.Put(kKind, model::RegionalKey(region, c.name), model::ToStoreJson(c)));
  return c;
}

Result<model::Cluster> ClusterService::Tag(const std::string& region_in,
                                           const std::string& name_or_arn,
                                           const std::vector<model::Tag>& add,
                                           const std::vector<std::string>& remove_keys) {
  const std::string region = Region(region_in);
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(model::Cluster c, Describe(region, name_or_arn));
    const std::string key = model::RegionalKey(region, c.name);
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, key));
    if (!model::ApplyTagChanges(c.tags, add, remove_keys))
      return MakeError(ErrorCode::kInvalidArgument, "a resource can have at most {} tags",
                       model::kMaxTags);
    if (!c.created_at_ms) c.created_at_ms = clock_.NowMs();
    auto r = store_.Put(kKind, key, model::ToStoreJson(c),
                        obj ? obj->revision : store::kMustNotExist);
    if (r.ok()) return c;
    if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kAlreadyExists)
      return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "cluster {} is being changed concurrently",
                   name_or_arn);
}

Result<model::Cluster> ClusterService::RequireActive(const std::string& region,
                                                     const std::string& name_or_arn) {
  GANTRY_ASSIGN_OR_RETURN(model::Cluster c, Describe(region, name_or_arn));
  if (c.status != "ACTIVE") return MakeError(ErrorCode::kNotFound, "Cluster not found: {}", c.name);
  return c;
}

}  // namespace gantry::services
