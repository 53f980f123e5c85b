#include "model/task_definition.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <set>

#include "common/json_util.h"
#include "model/port_mapping.h"

namespace gantry::model {

namespace json = boost::json;

double MsToEpochSeconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

const ContainerDefinition* TaskDefinition::FindContainer(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int64_t TaskDefinition::EffectiveCpu() const {
  if (cpu) return *cpu;
  int64_t sum = 0;
  for (const auto& c : containers) sum += c.cpu;
  return sum > 0 ? sum : kDefaultTaskCpu;
}

int64_t TaskDefinition::EffectiveMemoryMiB() const {
  if (memory) return *memory;
  int64_t sum = 0;
  for (const auto& c : containers) {
    if (c.memory) sum += *c.memory;
    else if (c.memory_reservation) sum += *c.memory_reservation;
  }
  return sum > 0 ? sum : kDefaultTaskMemoryMiB;
}

Result<std::vector<Tag>> ParseTags(const json::object& o, std::string_view key,
                                   std::string_view path) {
  std::vector<Tag> out;
  GANTRY_ASSIGN_OR_RETURN(const json::array* arr, GetArray(o, key, path));
  if (!arr) return out;
  if (arr->size() > 50)
    return MakeError(ErrorCode::kInvalidArgument, "{} has more than 50 tags", JoinPath(path, key));
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string p = fmt::format("{}[{}]", JoinPath(path, key), i);
    if (!(*arr)[i].is_object())
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", p);
    const auto& t = (*arr)[i].as_object();
    GANTRY_ASSIGN_OR_RETURN(auto k, GetString(t, "key", p));
    GANTRY_ASSIGN_OR_RETURN(auto v, GetString(t, "value", p));
    if (!k || k->empty() || k->size() > 128)
      return MakeError(ErrorCode::kInvalidArgument, "{}.key must be 1-128 characters", p);
    if (v && v->size() > 256)
      return MakeError(ErrorCode::kInvalidArgument, "{}.value must be at most 256 characters", p);
    out.push_back(Tag{*k, v.value_or("")});
  }
  return out;
}

json::array TagsToJson(const std::vector<Tag>& tags) {
  json::array a;
  for (const auto& t : tags) a.push_back(json::object{{"key", t.key}, {"value", t.value}});
  return a;
}

Result<std::vector<KeyValue>> ParseKeyValues(const json::object& o, std::string_view key,
                                             std::string_view path) {
  std::vector<KeyValue> out;
  GANTRY_ASSIGN_OR_RETURN(const json::array* arr, GetArray(o, key, path));
  if (!arr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string p = fmt::format("{}[{}]", JoinPath(path, key), i);
    if (!(*arr)[i].is_object())
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", p);
    const auto& kv = (*arr)[i].as_object();
    GANTRY_ASSIGN_OR_RETURN(auto n, GetString(kv, "name", p));
    GANTRY_ASSIGN_OR_RETURN(auto v, GetString(kv, "value", p));
    if (!n || n->empty())
      return MakeError(ErrorCode::kInvalidArgument, "{}.name must be a non-empty string", p);
    if (n->find('=') != std::string::npos || n->find('\0') != std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "{}.name must not contain '='", p);
    out.push_back(KeyValue{*n, v.value_or("")});
  }
  return out;
}

json::array KeyValuesToJson(const std::vector<KeyValue>& kvs) {
  json::array a;
  for (const auto& kv : kvs) a.push_back(json::object{{"name", kv.name}, {"value", kv.value}});
  return a;
}

Result<void> ValidateTaskSize(std::optional<int64_t> cpu, std::optional<int64_t> memory,
                              bool fargate) {
  if (cpu && *cpu <= 0)
    return MakeError(ErrorCode::kInvalidArgument, "Invalid 'cpu' setting for task: must be positive");
  if (memory && *memory < kMinContainerMemoryMiB)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid 'memory' setting for task. At least {} MiB required.",
                     kMinContainerMemoryMiB);
  if (!fargate || !cpu || !memory) return Ok();
  // Fargate's supported combinations (cpu units -> memory MiB range and step).
  struct Size {
    int64_t cpu, min_mem, max_mem, step;
  };
  static const Size kSizes[] = {
      {256, 512, 2048, 512},        {512, 1024, 4096, 1024},       {1024, 2048, 8192, 1024},
      {2048, 4096, 16384, 1024},    {4096, 8192, 30720, 1024},     {8192, 16384, 61440, 4096},
      {16384, 32768, 122880, 8192}};
  for (const auto& s : kSizes) {
    if (s.cpu != *cpu) continue;
    bool ok = *memory >= s.min_mem && *memory <= s.max_mem && (*memory - s.min_mem) % s.step == 0;
    if (s.cpu == 256 && *memory == 512) ok = true;
    if (ok) return Ok();
    return MakeError(ErrorCode::kInvalidArgument,
                     "No Fargate configuration exists for given values: {} CPU, {} memory. "
                     "With {} CPU units, memory must be {}-{} MiB in steps of {}.",
                     *cpu, *memory, s.cpu, s.min_mem, s.max_mem, s.step);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "No Fargate configuration exists for given values: {} CPU, {} memory. "
                   "CPU must be one of 256, 512, 1024, 2048, 4096, 8192, 16384.",
                   *cpu, *memory);
}

std::vector<std::string> HealthCheck::Argv() const {
  if (command.size() < 2) return {};
  std::vector<std::string> argv;
  if (command[0] == "CMD-SHELL") argv = {"/bin/sh", "-c"};
  argv.insert(argv.end(), command.begin() + 1, command.end());
  return argv;
}

Result<HealthCheck> ParseHealthCheck(const json::object& o, std::string_view container) {
  HealthCheck hc;
  const std::string path = fmt::format("healthCheck (container '{}')", container);
  GANTRY_ASSIGN_OR_RETURN(auto command, GetStringList(o, "command", path));
  if (!command || command->empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. healthCheck.command is required.",
                     container);
  const std::string& kind = (*command)[0];
  if (kind != "CMD" && kind != "CMD-SHELL")
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. healthCheck.command must start with "
                     "CMD or CMD-SHELL (got '{}').",
                     container, kind);
  if (command->size() < 2 || (*command)[1].empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. healthCheck.command must have a command "
                     "after {}.",
                     container, kind);
  hc.command = std::move(*command);
  struct Field {
    const char* key;
    int* out;
    int min, max;
    const char* unit;
  };
  const Field fields[] = {{"interval", &hc.interval_s, 5, 300, " seconds"},
                          {"timeout", &hc.timeout_s, 2, 60, " seconds"},
                          {"retries", &hc.retries, 1, 10, ""},
                          {"startPeriod", &hc.start_period_s, 0, 300, " seconds"}};
  for (const auto& f : fields) {
    GANTRY_ASSIGN_OR_RETURN(auto v, GetInt(o, f.key, path));
    if (!v) continue;
    if (*v < f.min || *v > f.max)
      return MakeError(ErrorCode::kInvalidArgument,
                       "Invalid setting for container '{}'. healthCheck.{} must be between {} and "
                       "{}{} (got {}).",
                       container, f.key, f.min, f.max, f.unit, *v);
    *f.out = static_cast<int>(*v);
  }
  return hc;
}

json::object ToJson(const HealthCheck& hc) {
  json::object o{{"command", json::value_from(hc.command)},
                 {"interval", hc.interval_s},
                 {"timeout", hc.timeout_s},
                 {"retries", hc.retries}};
  if (hc.start_period_s > 0) o["startPeriod"] = hc.start_period_s;
  return o;
}

namespace {

const std::set<std::string>& KnownContainerKeys() {
  static const std::set<std::string> k = {
      "name", "image", "command", "entryPoint", "environment", "workingDirectory", "user", "cpu",
      "memory", "memoryReservation", "essential", "stopTimeout", "logConfiguration",
      "healthCheck"};
  return k;
}
const std::set<std::string>& KnownTaskDefKeys() {
  static const std::set<std::string> k = {"family", "containerDefinitions", "cpu", "memory",
                                          "networkMode", "requiresCompatibilities", "tags",
                                          "taskDefinitionArn", "revision", "status",
                                          "registeredAt", "deregisteredAt"};
  return k;
}

json::object ExtraOf(const json::object& o, const std::set<std::string>& known) {
  json::object extra;
  for (const auto& kv : o) {
    if (!known.count(std::string(kv.key()))) extra[kv.key()] = kv.value();
  }
  return extra;
}

// `stored`: read back from the store, where a healthCheck saved before it was validated is kept
// verbatim (in extra, unused) rather than making the whole definition unreadable.
Result<ContainerDefinition> ParseContainer(const json::object& o, const std::string& path,
                                           bool stored) {
  ContainerDefinition c;
  GANTRY_ASSIGN_OR_RETURN(auto name, GetString(o, "name", path));
  GANTRY_ASSIGN_OR_RETURN(auto image, GetString(o, "image", path));
  if (!name || !IsValidName(*name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "{}.name is required: up to 255 letters, numbers, hyphens and underscores",
                     path);
  c.name = *name;
  if (!image || image->empty())
    return MakeError(ErrorCode::kInvalidArgument, "Container.image should not be null or empty "
                                                  "(container '{}')", c.name);
  c.image = *image;
  GANTRY_ASSIGN_OR_RETURN(c.command, GetStringList(o, "command", path));
  GANTRY_ASSIGN_OR_RETURN(c.entry_point, GetStringList(o, "entryPoint", path));
  GANTRY_ASSIGN_OR_RETURN(c.environment, ParseKeyValues(o, "environment", path));
  GANTRY_ASSIGN_OR_RETURN(auto wd, GetString(o, "workingDirectory", path));
  c.working_directory = wd.value_or("");
  if (!c.working_directory.empty() && c.working_directory[0] != '/')
    return MakeError(ErrorCode::kInvalidArgument, "{}.workingDirectory must be an absolute path",
                     path);
  GANTRY_ASSIGN_OR_RETURN(auto user, GetString(o, "user", path));
  c.user = user.value_or("");
  GANTRY_ASSIGN_OR_RETURN(auto cpu, GetInt(o, "cpu", path));
  if (cpu && (*cpu < 0 || *cpu > 10 * 1024))
    return MakeError(ErrorCode::kInvalidArgument, "{}.cpu must be between 0 and 10240", path);
  c.cpu = cpu.value_or(0);
  GANTRY_ASSIGN_OR_RETURN(c.memory, GetInt(o, "memory", path));
  GANTRY_ASSIGN_OR_RETURN(c.memory_reservation, GetInt(o, "memoryReservation", path));
  if (c.memory && *c.memory < kMinContainerMemoryMiB)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. At least {} megabytes of memory "
                     "required.", c.name, kMinContainerMemoryMiB);
  if (c.memory_reservation && *c.memory_reservation < kMinContainerMemoryMiB)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. At least {} megabytes of memory "
                     "required.", c.name, kMinContainerMemoryMiB);
  if (c.memory && c.memory_reservation && *c.memory_reservation > *c.memory)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid setting for container '{}'. 'memory' must be greater than or equal "
                     "to 'memoryReservation'.", c.name);
  GANTRY_ASSIGN_OR_RETURN(auto essential, GetBool(o, "essential", path));
  c.essential = essential.value_or(true);
  GANTRY_ASSIGN_OR_RETURN(auto st, GetInt(o, "stopTimeout", path));
  if (st && (*st < 0 || *st > kMaxStopTimeoutS))
    return MakeError(ErrorCode::kInvalidArgument, "{}.stopTimeout must be between 0 and {}", path,
                     kMaxStopTimeoutS);
  if (st) c.stop_timeout = static_cast<int>(*st);
  GANTRY_ASSIGN_OR_RETURN(const json::object* lc, GetObject(o, "logConfiguration", path));
  if (lc) {
    std::string lp = JoinPath(path, "logConfiguration");
    LogConfiguration l;
    GANTRY_ASSIGN_OR_RETURN(auto drv, GetString(*lc, "logDriver", lp));
    if (!drv || drv->empty())
      return MakeError(ErrorCode::kInvalidArgument, "{}.logDriver is required", lp);
    l.log_driver = *drv;
    GANTRY_ASSIGN_OR_RETURN(const json::object* opts, GetObject(*lc, "options", lp));
    if (opts) {
      for (const auto& kv : *opts) {
        if (!kv.value().is_string())
          return MakeError(ErrorCode::kInvalidArgument, "{}.options.{} must be a string", lp,
                           std::string(kv.key()));
        l.options[std::string(kv.key())] = std::string(kv.value().as_string());
      }
    }
    c.log_configuration = std::move(l);
  }
  c.extra = ExtraOf(o, KnownContainerKeys());
  if (auto it = o.find("healthCheck"); it != o.end() && !it->value().is_null()) {
    Result<HealthCheck> hc =
        it->value().is_object()
            ? ParseHealthCheck(it->value().as_object(), c.name)
            : Result<HealthCheck>(MakeError(ErrorCode::kInvalidArgument,
                                            "{}.healthCheck must be an object", path));
    if (hc.ok()) c.health_check = std::move(*hc);
    else if (stored) c.extra["healthCheck"] = it->value();
    else return std::move(hc).error();
  }
  return c;
}

json::object ContainerToJson(const ContainerDefinition& c) {
  json::object o = c.extra;
  o["name"] = c.name;
  o["image"] = c.image;
  if (c.command) o["command"] = json::value_from(*c.command);
  if (c.entry_point) o["entryPoint"] = json::value_from(*c.entry_point);
  o["environment"] = KeyValuesToJson(c.environment);
  if (!c.working_directory.empty()) o["workingDirectory"] = c.working_directory;
  if (!c.user.empty()) o["user"] = c.user;
  o["cpu"] = c.cpu;
  if (c.memory) o["memory"] = *c.memory;
  if (c.memory_reservation) o["memoryReservation"] = *c.memory_reservation;
  o["essential"] = c.essential;
  if (c.stop_timeout) o["stopTimeout"] = *c.stop_timeout;
  if (c.health_check) o["healthCheck"] = ToJson(*c.health_check);
  if (c.log_configuration) {
    json::object opts;
    for (const auto& [k, v] : c.log_configuration->options) opts[k] = v;
    o["logConfiguration"] =
        json::object{{"logDriver", c.log_configuration->log_driver}, {"options", opts}};
  }
  return o;
}

Result<TaskDefinition> ParseCommon(const json::object& body, bool stored) {
  TaskDefinition td;
  GANTRY_ASSIGN_OR_RETURN(auto family, GetString(body, "family", ""));
  if (!family || !IsValidName(*family))
    return MakeError(ErrorCode::kInvalidArgument,
                     "family is required: up to 255 letters (uppercase and lowercase), numbers, "
                     "hyphens, and underscores");
  td.family = *family;
  GANTRY_ASSIGN_OR_RETURN(const json::array* cds, GetArray(body, "containerDefinitions", ""));
  if (!cds || cds->empty())
    return MakeError(ErrorCode::kInvalidArgument, "containerDefinitions must not be empty");
  if (cds->size() > 10)
    return MakeError(ErrorCode::kInvalidArgument,
                     "containerDefinitions can hold at most 10 containers");
  std::set<std::string> names;
  bool any_essential = false;
  for (size_t i = 0; i < cds->size(); ++i) {
    std::string p = fmt::format("containerDefinitions[{}]", i);
    if (!(*cds)[i].is_object())
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", p);
    GANTRY_ASSIGN_OR_RETURN(auto c, ParseContainer((*cds)[i].as_object(), p, stored));
    if (!names.insert(c.name).second)
      return MakeError(ErrorCode::kInvalidArgument, "Duplicate container name '{}'", c.name);
    any_essential |= c.essential;
    td.containers.push_back(std::move(c));
  }
  if (!any_essential)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid task definition: at least one container must be essential");
  GANTRY_ASSIGN_OR_RETURN(td.cpu, GetInt(body, "cpu", ""));
  GANTRY_ASSIGN_OR_RETURN(td.memory, GetInt(body, "memory", ""));
  GANTRY_ASSIGN_OR_RETURN(auto nm, GetString(body, "networkMode", ""));
  td.network_mode = nm.value_or("awsvpc");
  if (td.network_mode != "awsvpc" && td.network_mode != "host" && td.network_mode != "none" &&
      td.network_mode != "bridge")
    return MakeError(ErrorCode::kInvalidArgument,
                     "networkMode must be one of awsvpc, host, none, bridge (got '{}')",
                     td.network_mode);
  GANTRY_ASSIGN_OR_RETURN(auto rc, GetStringList(body, "requiresCompatibilities", ""));
  td.requires_compatibilities = rc.value_or(std::vector<std::string>{});
  for (const auto& c : td.requires_compatibilities) {
    if (c != "FARGATE" && c != "EC2" && c != "EXTERNAL")
      return MakeError(ErrorCode::kInvalidArgument,
                       "requiresCompatibilities must be FARGATE, EC2 or EXTERNAL (got '{}')", c);
  }
  GANTRY_ASSIGN_OR_RETURN(td.tags, ParseTags(body, "tags", ""));
  td.extra = ExtraOf(body, KnownTaskDefKeys());
  return td;
}

}  // namespace

Result<TaskDefinition> ParseTaskDefinitionRequest(const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(TaskDefinition td, ParseCommon(body, /*stored=*/false));
  bool fargate = false;
  for (const auto& c : td.requires_compatibilities) fargate |= c == "FARGATE";
  GANTRY_TRY(ValidateTaskSize(td.cpu, td.memory, fargate));
  for (const auto& c : td.containers) GANTRY_TRY(PortMappingsOf(c, td.network_mode));
  if (td.memory) {
    int64_t sum_hard = 0;
    for (const auto& c : td.containers) {
      if (c.memory && *c.memory > *td.memory)
        return MakeError(ErrorCode::kInvalidArgument,
                         "Invalid setting for container '{}': memory {} MiB is more than the "
                         "task's {} MiB", c.name, *c.memory, *td.memory);
      sum_hard += c.memory_reservation.value_or(0);
    }
    if (sum_hard > *td.memory)
      return MakeError(ErrorCode::kInvalidArgument,
                       "The sum of the containers' memoryReservation ({} MiB) exceeds the task's "
                       "memory ({} MiB)", sum_hard, *td.memory);
  }
  return td;
}

json::object ToApiJson(const TaskDefinition& td) {
  json::object o = td.extra;
  o["taskDefinitionArn"] = td.arn;
  o["family"] = td.family;
  o["revision"] = td.revision;
  json::array cds;
  for (const auto& c : td.containers) cds.push_back(ContainerToJson(c));
  o["containerDefinitions"] = std::move(cds);
  if (td.cpu) o["cpu"] = std::to_string(*td.cpu);
  if (td.memory) o["memory"] = std::to_string(*td.memory);
  o["networkMode"] = td.network_mode;
  o["requiresCompatibilities"] = json::value_from(td.requires_compatibilities);
  o["compatibilities"] = json::array{"EC2", "FARGATE"};
  o["status"] = td.status;
  o["registeredAt"] = MsToEpochSeconds(td.registered_at_ms);
  if (td.deregistered_at_ms) o["deregisteredAt"] = MsToEpochSeconds(td.deregistered_at_ms);
  return o;
}

std::string ToStoreJson(const TaskDefinition& td) {
  json::object o = ToApiJson(td);
  o["registeredAt"] = td.registered_at_ms;
  o["deregisteredAt"] = td.deregistered_at_ms;
  o["tags"] = TagsToJson(td.tags);
  return json::serialize(o);
}

Result<TaskDefinition> TaskDefinitionFromStoreJson(const std::string& text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInternal, "stored task definition corrupt");
  const auto& o = v.as_object();
  GANTRY_ASSIGN_OR_RETURN(TaskDefinition td, ParseCommon(o, /*stored=*/true));
  GANTRY_ASSIGN_OR_RETURN(auto arn, GetString(o, "taskDefinitionArn", ""));
  GANTRY_ASSIGN_OR_RETURN(auto rev, GetInt(o, "revision", ""));
  GANTRY_ASSIGN_OR_RETURN(auto status, GetString(o, "status", ""));
  GANTRY_ASSIGN_OR_RETURN(auto reg, GetInt(o, "registeredAt", ""));
  GANTRY_ASSIGN_OR_RETURN(auto dereg, GetInt(o, "deregisteredAt", ""));
  td.arn = arn.value_or("");
  td.revision = static_cast<int>(rev.value_or(0));
  td.status = status.value_or("ACTIVE");
  td.registered_at_ms = reg.value_or(0);
  td.deregistered_at_ms = dereg.value_or(0);
  td.extra.erase("compatibilities");
  return td;
}

}  // namespace gantry::model
