#include "model/task.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "common/json_util.h"

namespace gantry::model {

namespace json = boost::json;

int StatusRank(const std::string& s) {
  static const char* kOrder[] = {status::kProvisioning, status::kPending,  status::kActivating,
                                 status::kRunning,      status::kDeactivating, status::kStopping,
                                 status::kDeprovisioning, status::kStopped};
  for (int i = 0; i < 8; ++i) {
    if (s == kOrder[i]) return i;
  }
  return -1;
}

const ContainerOverride* TaskOverrides::Find(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Container* Task::FindContainer(const std::string& name) {
  for (auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<TaskOverrides> ParseOverrides(const json::object* o, const TaskDefinition& td) {
  TaskOverrides out;
  if (!o) return out;
  GANTRY_ASSIGN_OR_RETURN(out.cpu, GetInt(*o, "cpu", "overrides"));
  GANTRY_ASSIGN_OR_RETURN(out.memory, GetInt(*o, "memory", "overrides"));
  GANTRY_ASSIGN_OR_RETURN(const json::array* cos, GetArray(*o, "containerOverrides", "overrides"));
  if (cos) {
    for (size_t i = 0; i < cos->size(); ++i) {
      std::string p = fmt::format("overrides.containerOverrides[{}]", i);
      if (!(*cos)[i].is_object())
        return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", p);
      const auto& co = (*cos)[i].as_object();
      ContainerOverride c;
      GANTRY_ASSIGN_OR_RETURN(auto name, GetString(co, "name", p));
      if (!name) return MakeError(ErrorCode::kInvalidArgument, "{}.name is required", p);
      if (!td.FindContainer(*name))
        return MakeError(ErrorCode::kInvalidArgument,
                         "Override for container named {} is not a container in the TaskDefinition.",
                         *name);
      c.name = *name;
      GANTRY_ASSIGN_OR_RETURN(c.command, GetStringList(co, "command", p));
      GANTRY_ASSIGN_OR_RETURN(c.environment, ParseKeyValues(co, "environment", p));
      GANTRY_ASSIGN_OR_RETURN(c.cpu, GetInt(co, "cpu", p));
      GANTRY_ASSIGN_OR_RETURN(c.memory, GetInt(co, "memory", p));
      GANTRY_ASSIGN_OR_RETURN(c.memory_reservation, GetInt(co, "memoryReservation", p));
      if (c.cpu && (*c.cpu < 0 || *c.cpu > 10240))
        return MakeError(ErrorCode::kInvalidArgument, "{}.cpu must be between 0 and 10240", p);
      if ((c.memory && *c.memory < kMinContainerMemoryMiB) ||
          (c.memory_reservation && *c.memory_reservation < kMinContainerMemoryMiB))
        return MakeError(ErrorCode::kInvalidArgument,
                         "Invalid setting for container '{}'. At least {} megabytes of memory "
                         "required.", c.name, kMinContainerMemoryMiB);
      out.containers.push_back(std::move(c));
    }
  }
  return out;
}

json::object ToJson(const TaskOverrides& o) {
  json::object out;
  if (o.cpu) out["cpu"] = std::to_string(*o.cpu);
  if (o.memory) out["memory"] = std::to_string(*o.memory);
  json::array cos;
  for (const auto& c : o.containers) {
    json::object co{{"name", c.name}};
    if (c.command) co["command"] = json::value_from(*c.command);
    if (!c.environment.empty()) co["environment"] = KeyValuesToJson(c.environment);
    if (c.cpu) co["cpu"] = *c.cpu;
    if (c.memory) co["memory"] = *c.memory;
    if (c.memory_reservation) co["memoryReservation"] = *c.memory_reservation;
    cos.push_back(std::move(co));
  }
  out["containerOverrides"] = std::move(cos);
  return out;
}

namespace {

void PutTime(json::object& o, const char* key, int64_t ms, bool api) {
  if (ms == 0) return;
  if (api) o[key] = MsToEpochSeconds(ms);
  else o[key] = ms;
}

// awsvpc tasks show their interface the way ECS shows an ENI attachment.
std::string AttachmentId(const Task& t) {
  const std::string& h = t.id;
  if (h.size() < 32) return h;
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

void AddNetworkJson(json::object& o, const Task& t, bool api) {
  const TaskNetwork& n = t.network;
  if (!api) {
    o["network"] = json::object{{"mode", n.mode}, {"ipv4", n.ipv4}, {"mac", n.mac},
                                {"subnet", n.subnet_cidr}, {"gateway", n.gateway}};
    return;
  }
  json::array attachments;
  if (n.mode == "awsvpc" && !n.ipv4.empty()) {
    auto detail = [](const char* name, const std::string& value) {
      return json::object{{"name", name}, {"value", value}};
    };
    attachments.push_back(json::object{
        {"id", AttachmentId(t)},
        {"type", "ElasticNetworkInterface"},
        {"status", t.IsStopped() ? "DELETED" : "ATTACHED"},
        {"details", json::array{detail("subnetId", "subnet-" + n.subnet_cidr),
                                detail("networkInterfaceId", "eni-" + t.id.substr(0, 17)),
                                detail("macAddress", n.mac),
                                detail("privateIPv4Address", n.ipv4)}}});
  }
  o["attachments"] = std::move(attachments);
}

json::object ContainerJson(const Task& t, const Container& c, bool api) {
  json::object o{{"containerArn", c.container_arn}, {"taskArn", t.arn}, {"name", c.name},
                 {"image", c.image}, {"lastStatus", c.last_status}};
  if (!c.image_digest.empty()) o["imageDigest"] = c.image_digest;
  if (!c.runtime_id.empty()) o["runtimeId"] = c.runtime_id;
  if (api && t.network.mode == "awsvpc" && !t.network.ipv4.empty())
    o["networkInterfaces"] = json::array{json::object{
        {"attachmentId", AttachmentId(t)}, {"privateIpv4Address", t.network.ipv4}}};
  if (c.exit_code) o["exitCode"] = *c.exit_code;
  if (!c.reason.empty()) o["reason"] = c.reason;
  o["cpu"] = std::to_string(c.cpu);
  if (c.memory) o["memory"] = std::to_string(*c.memory);
  if (c.memory_reservation) o["memoryReservation"] = std::to_string(*c.memory_reservation);
  o["healthStatus"] = c.health_status.empty() ? health_status::kUnknown : c.health_status;
  if (!api) {
    o["essential"] = c.essential;
    o["logGroup"] = c.log_group;
    o["logStream"] = c.log_stream;
  }
  return o;
}

json::object TaskJson(const Task& t, bool api) {
  json::object o{{"taskArn", t.arn},
                 {"clusterArn", t.cluster_arn},
                 {"taskDefinitionArn", t.task_definition_arn},
                 {"lastStatus", t.last_status},
                 {"desiredStatus", t.desired_status},
                 {"cpu", std::to_string(t.cpu)},
                 {"memory", std::to_string(t.memory)},
                 {"launchType", t.launch_type},
                 {"group", t.group},
                 {"version", t.version},
                 {"healthStatus", t.health_status.empty() ? "UNKNOWN" : t.health_status},
                 {"connectivity", t.last_status == status::kRunning ? "CONNECTED" : "DISCONNECTED"},
                 {"platformVersion", "1.4.0"},
                 {"availabilityZone", "local"}};
  json::array cs;
  for (const auto& c : t.containers) cs.push_back(ContainerJson(t, c, api));
  o["containers"] = std::move(cs);
  o["overrides"] = ToJson(t.overrides);
  if (!t.started_by.empty()) o["startedBy"] = t.started_by;
  o["tags"] = TagsToJson(t.tags);
  PutTime(o, "createdAt", t.created_at_ms, api);
  PutTime(o, "pullStartedAt", t.pull_started_at_ms, api);
  PutTime(o, "pullStoppedAt", t.pull_stopped_at_ms, api);
  PutTime(o, "startedAt", t.started_at_ms, api);
  PutTime(o, "stoppingAt", t.stopping_at_ms, api);
  PutTime(o, "executionStoppedAt", t.execution_stopped_at_ms, api);
  PutTime(o, "stoppedAt", t.stopped_at_ms, api);
  if (!t.stop_code.empty()) o["stopCode"] = t.stop_code;
  if (!t.stopped_reason.empty()) o["stoppedReason"] = t.stopped_reason;
  AddNetworkJson(o, t, api);
  PutTime(o, "drainingAt", t.draining_at_ms, api);
  if (!api) {
    o["id"] = t.id;
    o["cluster"] = t.cluster;
    o["family"] = t.family;
    o["revision"] = t.revision;
    o["nodeId"] = t.node_id;
    o["cpuUnits"] = t.cpu;
    o["memoryMiB"] = t.memory;
  }
  return o;
}

}  // namespace

json::object ToApiJson(const Task& t) { return TaskJson(t, true); }
std::string ToStoreJson(const Task& t) { return json::serialize(TaskJson(t, false)); }

Result<Task> TaskFromStoreJson(const std::string& text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInternal, "stored task corrupt");
  const auto& o = v.as_object();
  Task t;
  auto str = [&](const json::object& obj, const char* k) -> std::string {
    auto it = obj.find(k);
    return it != obj.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
  };
  auto num = [&](const json::object& obj, const char* k) -> int64_t {
    auto it = obj.find(k);
    if (it == obj.end()) return 0;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64()) return static_cast<int64_t>(it->value().as_uint64());
    if (it->value().is_double()) return static_cast<int64_t>(it->value().as_double());
    return 0;
  };
  t.id = str(o, "id");
  t.arn = str(o, "taskArn");
  t.cluster = str(o, "cluster");
  t.cluster_arn = str(o, "clusterArn");
  t.task_definition_arn = str(o, "taskDefinitionArn");
  t.family = str(o, "family");
  t.revision = static_cast<int>(num(o, "revision"));
  t.last_status = str(o, "lastStatus");
  t.desired_status = str(o, "desiredStatus");
  t.cpu = num(o, "cpuUnits");
  t.memory = num(o, "memoryMiB");
  t.started_by = str(o, "startedBy");
  t.group = str(o, "group");
  t.launch_type = str(o, "launchType");
  t.created_at_ms = num(o, "createdAt");
  t.pull_started_at_ms = num(o, "pullStartedAt");
  t.pull_stopped_at_ms = num(o, "pullStoppedAt");
  t.started_at_ms = num(o, "startedAt");
  t.stopping_at_ms = num(o, "stoppingAt");
  t.execution_stopped_at_ms = num(o, "executionStoppedAt");
  t.stopped_at_ms = num(o, "stoppedAt");
  t.stop_code = str(o, "stopCode");
  t.stopped_reason = str(o, "stoppedReason");
  t.node_id = str(o, "nodeId");
  if (auto it = o.find("network"); it != o.end() && it->value().is_object()) {
    const auto& n = it->value().as_object();
    t.network.mode = str(n, "mode");
    t.network.ipv4 = str(n, "ipv4");
    t.network.mac = str(n, "mac");
    t.network.subnet_cidr = str(n, "subnet");
    t.network.gateway = str(n, "gateway");
  }
  t.version = num(o, "version");
  t.health_status = str(o, "healthStatus");
  if (t.health_status.empty()) t.health_status = "UNKNOWN";
  t.draining_at_ms = num(o, "drainingAt");
  GANTRY_ASSIGN_OR_RETURN(t.tags, ParseTags(o, "tags", ""));
  if (auto it = o.find("containers"); it != o.end() && it->value().is_array()) {
    for (const auto& cv : it->value().as_array()) {
      if (!cv.is_object()) continue;
      const auto& co = cv.as_object();
      Container c;
      c.container_arn = str(co, "containerArn");
      c.name = str(co, "name");
      c.image = str(co, "image");
      c.image_digest = str(co, "imageDigest");
      c.runtime_id = str(co, "runtimeId");
      c.last_status = str(co, "lastStatus");
      if (co.contains("exitCode")) c.exit_code = static_cast<int>(num(co, "exitCode"));
      c.reason = str(co, "reason");
      c.cpu = std::atoll(str(co, "cpu").c_str());
      if (co.contains("memory")) c.memory = std::atoll(str(co, "memory").c_str());
      if (co.contains("memoryReservation"))
        c.memory_reservation = std::atoll(str(co, "memoryReservation").c_str());
      if (auto e = co.find("essential"); e != co.end() && e->value().is_bool())
        c.essential = e->value().as_bool();
      c.health_status = str(co, "healthStatus");
      if (c.health_status.empty()) c.health_status = health_status::kUnknown;
      c.log_group = str(co, "logGroup");
      c.log_stream = str(co, "logStream");
      t.containers.push_back(std::move(c));
    }
  }
  // Overrides were validated on the way in; re-parse leniently against a permissive definition.
  if (auto it = o.find("overrides"); it != o.end() && it->value().is_object()) {
    const auto& ov = it->value().as_object();
    if (auto cpu = ov.find("cpu"); cpu != ov.end() && cpu->value().is_string())
      t.overrides.cpu = std::atoll(cpu->value().as_string().c_str());
    if (auto mem = ov.find("memory"); mem != ov.end() && mem->value().is_string())
      t.overrides.memory = std::atoll(mem->value().as_string().c_str());
    if (auto cos = ov.find("containerOverrides"); cos != ov.end() && cos->value().is_array()) {
      for (const auto& cv : cos->value().as_array()) {
        if (!cv.is_object()) continue;
        const auto& co = cv.as_object();
        ContainerOverride c;
        c.name = str(co, "name");
        GANTRY_ASSIGN_OR_RETURN(c.command, GetStringList(co, "command", ""));
        GANTRY_ASSIGN_OR_RETURN(c.environment, ParseKeyValues(co, "environment", ""));
        GANTRY_ASSIGN_OR_RETURN(c.cpu, GetInt(co, "cpu", ""));
        GANTRY_ASSIGN_OR_RETURN(c.memory, GetInt(co, "memory", ""));
        GANTRY_ASSIGN_OR_RETURN(c.memory_reservation, GetInt(co, "memoryReservation", ""));
        t.overrides.containers.push_back(std::move(c));
      }
    }
  }
  return t;
}

}  // namespace gantry::model
