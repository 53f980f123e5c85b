#include "services/task_service.h"

#include <algorithm>

#include "common/ids.h"
#include "common/json_util.h"
#include "model/region.h"
#include "model/tags.h"

namespace gantry::services {

namespace json = boost::json;
using model::Task;

Result<RunTaskRequest> ParseRunTaskRequest(const json::object& body) {
  RunTaskRequest req;
  GANTRY_ASSIGN_OR_RETURN(auto td, GetString(body, "taskDefinition", ""));
  if (!td || td->empty()) return MakeError(ErrorCode::kInvalidArgument, "taskDefinition is required");
  req.task_definition = *td;
  GANTRY_ASSIGN_OR_RETURN(auto cluster, GetString(body, "cluster", ""));
  if (cluster && !cluster->empty()) {
    std::string c = *cluster;
    if (auto pos = c.find(":cluster/"); c.rfind("arn:", 0) == 0 && pos != std::string::npos)
      c = c.substr(pos + 9);
    req.cluster = c;
  }
  GANTRY_ASSIGN_OR_RETURN(auto count, GetInt(body, "count", ""));
  if (count && (*count < 1 || *count > 10))
    return MakeError(ErrorCode::kInvalidArgument, "count must be between 1 and 10 (got {})", *count);
  req.count = static_cast<int>(count.value_or(1));
  GANTRY_ASSIGN_OR_RETURN(auto sb, GetString(body, "startedBy", ""));
  req.started_by = sb.value_or("");
  if (req.started_by.size() > 128)
    return MakeError(ErrorCode::kInvalidArgument, "startedBy must be at most 128 characters");
  GANTRY_ASSIGN_OR_RETURN(auto group, GetString(body, "group", ""));
  req.group = group.value_or("");
  GANTRY_ASSIGN_OR_RETURN(req.tags, model::ParseTags(body, "tags", ""));
  GANTRY_ASSIGN_OR_RETURN(req.overrides, GetObject(body, "overrides", ""));
  return req;
}

Result<std::vector<Task>> TaskService::Run(const RunTaskRequest& req) {
  if (!model::IsValidName(req.cluster))
    return MakeError(ErrorCode::kInvalidArgument, "invalid cluster name '{}'", req.cluster);
  std::string region = req.region;
  if (region.empty()) region = model::RegionOfArn(req.task_definition);
  const model::Account acct = taskdefs_.AccountFor(region);
  GANTRY_TRY(clusters_.RequireActive(acct.region, req.cluster));
  GANTRY_ASSIGN_OR_RETURN(model::TaskDefinition td,
                          taskdefs_.Describe(req.task_definition, acct.region));
  if (td.status != "ACTIVE" && !req.allow_inactive_definition)
    return MakeError(ErrorCode::kInvalidArgument, "TaskDefinition is inactive: {}", td.arn);
  GANTRY_ASSIGN_OR_RETURN(model::TaskOverrides ov, model::ParseOverrides(req.overrides, td));
  bool fargate = std::find(td.requires_compatibilities.begin(), td.requires_compatibilities.end(),
                           "FARGATE") != td.requires_compatibilities.end();
  if (ov.cpu || ov.memory) {
    GANTRY_TRY(model::ValidateTaskSize(ov.cpu ? ov.cpu : td.cpu, ov.memory ? ov.memory : td.memory,
                                       fargate));
  }
  int64_t now = clock_.NowMs();
  std::vector<Task> tasks;
  std::vector<store::Op> ops;
  for (int i = 0; i < req.count; ++i) {
    Task t;
    t.id = RandomHex(32);
    t.cluster = req.cluster;
    t.arn = model::TaskArn(acct, t.cluster, t.id);
    t.cluster_arn = model::ClusterArn(acct, t.cluster);
    t.task_definition_arn = td.arn;
    t.family = td.family;
    t.revision = td.revision;
    t.cpu = ov.cpu.value_or(td.EffectiveCpu());
    t.memory = ov.memory.value_or(td.EffectiveMemoryMiB());
    t.overrides = ov;
    t.started_by = req.started_by;
    if (!req.launch_type.empty()) t.launch_type = req.launch_type;
    t.group = req.group.empty() ? "family:" + td.family : req.group;
    t.tags = req.tags;
    t.created_at_ms = now;
    for (const auto& cd : td.containers) {
      model::Container c;
      c.container_arn = model::ContainerArn(acct, t.cluster, t.id, RandomUuid());
      c.name = cd.name;
      c.image = cd.image;
      c.cpu = cd.cpu;
      c.memory = cd.memory;
      c.memory_reservation = cd.memory_reservation;
      c.essential = cd.essential;
      if (const auto* co = ov.Find(cd.name)) {
        if (co->cpu) c.cpu = *co->cpu;
        if (co->memory) c.memory = *co->memory;
        if (co->memory_reservation) c.memory_reservation = *co->memory_reservation;
      }
      if (c.memory && *c.memory > t.memory)
        return MakeError(ErrorCode::kInvalidArgument,
                         "Invalid setting for container '{}': memory {} MiB is more than the "
                         "task's {} MiB", c.name, *c.memory, t.memory);
      // LogStore group names carry the region (model/region.h): the awslogs group in
      // awslogs-region (default: the task's), or gantry's own group for other drivers.
      if (cd.log_configuration && cd.log_configuration->log_driver == "awslogs") {
        const auto& o = cd.log_configuration->options;
        auto g = o.find("awslogs-group");
        auto r = o.find("awslogs-region");
        std::string log_region = r != o.end() && !r->second.empty() ? r->second : acct.region;
        if (!model::IsValidRegion(log_region))
          return MakeError(ErrorCode::kInvalidArgument,
                           "Invalid setting for container '{}': awslogs-region '{}' is invalid",
                           cd.name, log_region);
        c.log_group =
            model::RegionalLogGroup(log_region, g != o.end() ? g->second : "/ecs/" + td.family);
        auto p = o.find("awslogs-stream-prefix");
        c.log_stream = p != o.end() ? p->second + "/" + cd.name + "/" + t.id : t.id;
      } else {
        c.log_group = model::RegionalLogGroup(acct.region, "/gantry/tasks");
        c.log_stream = t.id + "/" + cd.name;
      }
      t.containers.push_back(std::move(c));
    }
    ops.push_back(store::Op::Put(kKind, t.id, model::ToStoreJson(t), store::kMustNotExist));
    tasks.push_back(std::move(t));
  }
  if (admission_) GANTRY_TRY(admission_(td, req.count));
  GANTRY_TRY(store_.Txn(ops));
  return tasks;
}

Result<Task> TaskService::Describe(const std::string& id_or_arn) {
  auto id = model::ParseTaskId(id_or_arn);
  if (!id) return MakeError(ErrorCode::kInvalidArgument, "invalid task id '{}'", id_or_arn);
  GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, *id));
  if (!obj) return MakeError(ErrorCode::kNotFound, "task {} not found", *id);
  return model::TaskFromStoreJson(obj->value);
}

Result<std::vector<Task>> TaskService::List(const TaskFilter& f) {
  if (!f.desired_status.empty() && f.desired_status != "RUNNING" &&
      f.desired_status != "STOPPED" && f.desired_status != "PENDING")
    return MakeError(ErrorCode::kInvalidArgument, "desiredStatus must be RUNNING, PENDING or STOPPED");
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind));
  std::vector<Task> out;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(Task t, model::TaskFromStoreJson(o.value));
    if (!f.region.empty() && model::RegionOfArn(t.arn) != f.region) continue;
    if (!f.cluster.empty() && t.cluster != f.cluster) continue;
    if (!f.family.empty() && t.family != f.family) continue;
    if (!f.desired_status.empty()) {
      // ECS: PENDING and RUNNING desired statuses both list tasks that should be running.
      std::string want = f.desired_status == "PENDING" ? "RUNNING" : f.desired_status;
      if (t.desired_status != want) continue;
    }
    if (!f.last_status.empty() && t.last_status != f.last_status) continue;
    if (!f.started_by.empty() && t.started_by != f.started_by) continue;
    if (!f.node_id.empty() && t.node_id != f.node_id) continue;
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const Task& a, const Task& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms > b.created_at_ms;
    return a.id < b.id;
  });
  return out;
}

Result<Task> TaskService::Update(const std::string& task_id,
                                 const std::function<Result<bool>(Task&)>& fn) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, task_id));
    if (!obj) return MakeError(ErrorCode::kNotFound, "task {} not found", task_id);
    GANTRY_ASSIGN_OR_RETURN(Task t, model::TaskFromStoreJson(obj->value));
    GANTRY_ASSIGN_OR_RETURN(bool changed, fn(t));
    if (!changed) return t;
    t.version++;
    auto r = store_.Put(kKind, task_id, model::ToStoreJson(t), obj->revision);
    if (r.ok()) return t;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "task {} is being updated concurrently", task_id);
}

Result<Task> TaskService::Stop(const std::string& id_or_arn, const std::string& reason,
                               const std::string& stop_code) {
  auto id = model::ParseTaskId(id_or_arn);
  if (!id) return MakeError(ErrorCode::kInvalidArgument, "invalid task id '{}'", id_or_arn);
  if (reason.size() > 255)
    return MakeError(ErrorCode::kInvalidArgument, "reason must be at most 255 characters");
  int64_t now = clock_.NowMs();
  return Update(*id, [&](Task& t) -> Result<bool> {
    if (t.desired_status == "STOPPED") return false;
    t.desired_status = "STOPPED";
    if (t.stop_code.empty()) t.stop_code = stop_code;
    if (t.stopped_reason.empty())
      t.stopped_reason = reason.empty() ? "Task stopped by user" : reason;
    t.stopping_at_ms = now;
    if (t.node_id.empty()) {
      // Never placed: nothing runs anywhere, so it is stopped right away.
      t.last_status = model::status::kStopped;
      t.stopped_at_ms = now;
      t.execution_stopped_at_ms = now;
      for (auto& c : t.containers) c.last_status = model::status::kStopped;
    }
    return true;
  });
}

Result<Task> TaskService::Tag(const std::string& id_or_arn, const std::vector<model::Tag>& add,
                              const std::vector<std::string>& remove_keys) {
  auto id = model::ParseTaskId(id_or_arn);
  if (!id) return MakeError(ErrorCode::kInvalidArgument, "invalid task id '{}'", id_or_arn);
  return Update(*id, [&](Task& t) -> Result<bool> {
    if (!model::ApplyTagChanges(t.tags, add, remove_keys))
      return MakeError(ErrorCode::kInvalidArgument, "a resource can have at most {} tags",
                       model::kMaxTags);
    return true;
  });
}

Result<Task> TaskService::MarkDraining(const std::string& task_id) {
  int64_t now = clock_.NowMs();
  return Update(task_id, [&](Task& t) -> Result<bool> {
    if (t.draining_at_ms || t.IsStopped()) return false;
    t.draining_at_ms = now;
    return true;
  });
}

Result<Task> TaskService::Assign(const std::string& task_id, const std::string& node_id) {
  return Update(task_id, [&](Task& t) -> Result<bool> {
    if (!t.node_id.empty() || t.IsStopped()) return false;
    t.node_id = node_id;
    t.last_status = model::status::kPending;
    return true;
  });
}

Result<Task> TaskService::ApplyReport(const TaskReport& rep) {
  int64_t now = clock_.NowMs();
  return Update(rep.task_id, [&](Task& t) -> Result<bool> {
    if (t.IsStopped()) return false;
    bool changed = false;
    if (model::StatusRank(rep.last_status) > model::StatusRank(t.last_status)) {
      t.last_status = rep.last_status;
      changed = true;
    }
    for (const auto& cr : rep.containers) {
      model::Container* c = t.FindContainer(cr.name);
      if (!c) continue;
      if (!cr.last_status.empty() &&
          model::StatusRank(cr.last_status) > model::StatusRank(c->last_status)) {
        c->last_status = cr.last_status;
        changed = true;
      }
      if (cr.exit_code && c->exit_code != cr.exit_code) { c->exit_code = cr.exit_code; changed = true; }
      if (!cr.reason.empty() && c->reason != cr.reason) { c->reason = cr.reason; changed = true; }
      if (!cr.runtime_id.empty() && c->runtime_id != cr.runtime_id) { c->runtime_id = cr.runtime_id; changed = true; }
      if (!cr.image_digest.empty() && c->image_digest != cr.image_digest) { c->image_digest = cr.image_digest; changed = true; }
      if (!cr.health_status.empty() && c->health_status != cr.health_status) {
        c->health_status = cr.health_status;
        changed = true;
      }
    }
    auto set_time = [&](int64_t& field, int64_t v) {
      if (v && !field) { field = v; changed = true; }
    };
    if (!rep.health_status.empty() && t.health_status != rep.health_status) {
      t.health_status = rep.health_status;
      changed = true;
    }
    if (!rep.network.mode.empty() && t.network.mode.empty()) {
      t.network = rep.network;
      changed = true;
    }
    set_time(t.pull_started_at_ms, rep.pull_started_at_ms);
    set_time(t.pull_stopped_at_ms, rep.pull_stopped_at_ms);
    set_time(t.started_at_ms, rep.started_at_ms);
    set_time(t.execution_stopped_at_ms, rep.execution_stopped_at_ms);
    if (model::StatusRank(t.last_status) >= model::StatusRank(model::status::kStopping) &&
        !t.stopping_at_ms) {
      t.stopping_at_ms = now;
      changed = true;
    }
    if (!rep.stop_code.empty() && t.stop_code.empty()) {
      t.stop_code = rep.stop_code;
      t.stopped_reason = rep.stopped_reason;
      changed = true;
    }
    if (t.last_status == model::status::kStopped) {
      t.desired_status = "STOPPED";
      t.stopped_at_ms = now;
      if (!t.execution_stopped_at_ms) t.execution_stopped_at_ms = now;
      for (auto& c : t.containers) c.last_status = model::status::kStopped;
    }
    return changed;
  });
}

Result<int> TaskService::CollectStopped(int64_t max_age_ms) {
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind));
  int64_t now = clock_.NowMs();
  int n = 0;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(Task t, model::TaskFromStoreJson(o.value));
    if (!t.IsStopped() || now - t.stopped_at_ms < max_age_ms) continue;
    auto r = store_.Delete(kKind, o.key, o.revision);
    if (r.ok()) ++n;
  }
  return n;
}

}  // namespace gantry::services
