#include "cli/service_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <utility>

#include "cli/api_client.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

constexpr size_t kMaxNameLength = 255;  // ECS limit for service and family names

// Fields GET /v1/task-definitions returns that a registration must not carry.
constexpr std::string_view kReadOnlyTaskDefinitionKeys[] = {
    "taskDefinitionArn", "revision",      "status",          "registeredAt",
    "deregisteredAt",    "registeredBy",  "deregisteredBy",  "compatibilities",
    "requiresAttributes"};

int IntField(const json::object& o, std::string_view key) {
  auto n = NumberField(o, key);
  return n ? static_cast<int>(*n) : 0;
}

std::vector<std::pair<std::string, std::string>> EnvPairs(const json::object& container) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const json::array* env = ArrayField(container, "environment"))
    for (const auto& e : *env)
      if (e.is_object())
        out.emplace_back(StringField(e.as_object(), "name"), StringField(e.as_object(), "value"));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> StringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = ArrayField(o, key))
    for (const auto& v : *a) out.push_back(v.is_string() ? std::string(v.as_string()) : "");
  return out;
}

// Task-level cpu/memory: ECS sends strings, numbers are accepted too; "" when absent.
std::string ScalarText(const json::object& o, std::string_view key) {
  if (auto s = StringField(o, key); !s.empty()) return s;
  if (auto n = NumberField(o, key)) return fmt::format("{}", static_cast<int64_t>(*n));
  return "";
}

std::string OptionalText(const std::optional<int64_t>& v) {
  return v ? std::to_string(*v) : std::string();
}

}  // namespace

Result<std::optional<json::object>> DeploymentConfigurationBody(const DeploymentConfigArgs& args) {
  json::object dc;
  if (args.min_healthy_percent) dc["minimumHealthyPercent"] = *args.min_healthy_percent;
  if (args.max_percent) dc["maximumPercent"] = *args.max_percent;
  if (args.circuit_breaker) {
    const std::string& v = *args.circuit_breaker;
    bool enable = false, rollback = false;
    if (v == "enable" || v == "on" || v.empty()) {
      enable = true;
    } else if (v == "rollback") {
      enable = rollback = true;
    } else if (v != "off") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "invalid --circuit-breaker value '{}': use rollback, on or off", v);
    }
    dc["deploymentCircuitBreaker"] = json::object{{"enable", enable}, {"rollback", rollback}};
  }
  if (dc.empty()) return std::optional<json::object>{};
  return std::optional<json::object>(std::move(dc));
}

bool IsValidServiceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return SanitizeFamilyPart(name) == name;
}

json::value ServiceTaskDefinitionBody(std::string_view family, const RunSpec& spec) {
  json::object container{{"name", spec.container_name}, {"image", spec.image}, {"essential", true}};
  if (!spec.command.empty()) {
    json::array cmd;
    for (const auto& a : spec.command) cmd.emplace_back(a);
    container["command"] = std::move(cmd);
  }
  if (!spec.environment.empty()) {
    json::array env;
    for (const auto& [k, v] : spec.environment)
      env.push_back(json::object{{"name", k}, {"value", v}});
    container["environment"] = std::move(env);
  }
  json::object body{{"family", family}};
  if (spec.cpu) {
    container["cpu"] = *spec.cpu;
    body["cpu"] = std::to_string(*spec.cpu);
  }
  if (spec.memory) {
    container["memory"] = *spec.memory;
    body["memory"] = std::to_string(*spec.memory);
  }
  body["containerDefinitions"] = json::array{std::move(container)};
  return body;
}

bool ServiceTaskDefinitionFits(const json::object& td, const RunSpec& spec) {
  if (!TaskDefinitionFits(td, spec)) return false;  // status, single container, name, image
  const auto& c = (*ArrayField(td, "containerDefinitions"))[0].as_object();
  if (StringList(c, "command") != spec.command) return false;
  if (!StringList(c, "entryPoint").empty()) return false;
  auto wanted_env = spec.environment;
  std::sort(wanted_env.begin(), wanted_env.end());
  if (EnvPairs(c) != wanted_env) return false;
  if (IntField(c, "cpu") != spec.cpu.value_or(0)) return false;
  if (ScalarText(c, "memory") != OptionalText(spec.memory)) return false;
  return ScalarText(td, "cpu") == OptionalText(spec.cpu) &&
         ScalarText(td, "memory") == OptionalText(spec.memory);
}

Result<json::value> CreateServiceBody(const ServiceCreateArgs& args,
                                      std::string_view task_definition) {
  if (!IsValidServiceName(args.name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid service name '{}': up to 255 letters, numbers, hyphens and "
                     "underscores",
                     args.name);
  if (args.desired_count < 0)
    return MakeError(ErrorCode::kInvalidArgument, "--desired-count must not be negative");
  json::object body{{"serviceName", args.name},
                    {"taskDefinition", task_definition},
                    {"desiredCount", args.desired_count}};
  GANTRY_ASSIGN_OR_RETURN(auto dc, DeploymentConfigurationBody(args.deployment));
  if (dc) body["deploymentConfiguration"] = std::move(*dc);
  if (args.health_check_grace_period_s)
    body["healthCheckGracePeriodSeconds"] = *args.health_check_grace_period_s;
  return json::value(std::move(body));
}

Result<json::value> UpdateServiceBody(const ServiceUpdateArgs& args) {
  json::object body;
  if (!args.task_definition.empty()) body["taskDefinition"] = args.task_definition;
  if (args.desired_count) {
    if (*args.desired_count < 0)
      return MakeError(ErrorCode::kInvalidArgument, "the desired count must not be negative");
    body["desiredCount"] = *args.desired_count;
  }
  if (args.force_new_deployment) body["forceNewDeployment"] = true;
  GANTRY_ASSIGN_OR_RETURN(auto dc, DeploymentConfigurationBody(args.deployment));
  if (dc) body["deploymentConfiguration"] = std::move(*dc);
  if (args.health_check_grace_period_s)
    body["healthCheckGracePeriodSeconds"] = *args.health_check_grace_period_s;
  if (body.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "nothing to update for service {}: give --task-definition, --desired-count, "
                     "--force-new-deployment or a deployment setting",
                     args.name);
  return json::value(std::move(body));
}

Result<json::object> RewriteTaskDefinitionImage(const json::object& td, std::string_view image,
                                                std::string_view container) {
  std::string ref = StringField(td, "family");
  if (auto rev = NumberField(td, "revision"))
    ref += fmt::format(":{}", static_cast<int64_t>(*rev));
  if (image.empty()) return MakeError(ErrorCode::kInvalidArgument, "an --image is required");
  json::object out = td;
  for (std::string_view key : kReadOnlyTaskDefinitionKeys) out.erase(key);
  auto* cds = out.if_contains("containerDefinitions");
  if (cds == nullptr || !cds->is_array() || cds->as_array().empty())
    return MakeError(ErrorCode::kFailedPrecondition, "task definition {} has no containers", ref);
  json::array& containers = cds->as_array();
  json::object* target = nullptr;
  std::string names;
  for (auto& c : containers) {
    if (!c.is_object()) continue;
    std::string name = StringField(c.as_object(), "name");
    if (!names.empty()) names += ", ";
    names += name;
    if (target == nullptr && (container.empty() || name == container)) target = &c.as_object();
  }
  if (target == nullptr) {
    if (container.empty())
      return MakeError(ErrorCode::kFailedPrecondition, "task definition {} has no containers",
                       ref);
    return MakeError(ErrorCode::kNotFound, "task definition {} has no container '{}' (it has: {})",
                     ref, container, names);
  }
  (*target)["image"] = image;
  return out;
}

std::string ServicePath(std::string_view name) {
  return "/v1/services/" + EncodePathSegment(name);
}

Result<json::object> ServiceFromReply(const json::value& reply) {
  if (const json::object* o = reply.if_object())
    if (const auto* s = o->if_contains("service"); s && s->is_object()) return s->as_object();
  return MakeError(ErrorCode::kInternal, "unexpected reply: no \"service\" object");
}

const json::object* FindDeployment(const json::object& service, std::string_view id) {
  if (const json::array* ds = ArrayField(service, "deployments"))
    for (const auto& d : *ds)
      if (d.is_object() && StringField(d.as_object(), "id") == id) return &d.as_object();
  return nullptr;
}

const json::object* PrimaryDeployment(const json::object& service) {
  if (const json::array* ds = ArrayField(service, "deployments"))
    for (const auto& d : *ds)
      if (d.is_object() && StringField(d.as_object(), "status") == "PRIMARY")
        return &d.as_object();
  return nullptr;
}

std::vector<std::string> ServiceLsHeaders() {
  return {"NAME", "STATUS", "DESIRED", "RUNNING", "PENDING", "TASK DEFINITION", "ROLLOUT"};
}

std::vector<std::string> ServiceLsRow(const json::object& s) {
  const json::object* primary = PrimaryDeployment(s);
  std::string rollout = primary ? StringField(*primary, "rolloutState") : "";
  // Deployments still draining alongside the primary one.
  int others = 0;
  if (const json::array* ds = ArrayField(s, "deployments"))
    for (const auto& d : *ds)
      if (d.is_object() && StringField(d.as_object(), "status") == "ACTIVE") ++others;
  if (others > 0 && !rollout.empty()) rollout += fmt::format(" (+{} old)", others);
  return {StringField(s, "serviceName"),
          StringField(s, "status"),
          std::to_string(IntField(s, "desiredCount")),
          std::to_string(IntField(s, "runningCount")),
          std::to_string(IntField(s, "pendingCount")),
          FamilyRevision(StringField(s, "taskDefinition")),
          rollout};
}

std::string RenderRolloutProgress(const json::object& service, std::string_view id) {
  const json::object* d = FindDeployment(service, id);
  if (d == nullptr) return fmt::format("{} (not listed)", id);
  std::string line = fmt::format("{} {}  new {} {}/{} running", id, StringField(*d, "rolloutState"),
                                 FamilyRevision(StringField(*d, "taskDefinition")),
                                 IntField(*d, "runningCount"), IntField(*d, "desiredCount"));
  if (int p = IntField(*d, "pendingCount"); p > 0) line += fmt::format(", {} pending", p);
  if (int f = IntField(*d, "failedTasks"); f > 0) line += fmt::format(", {} failed", f);
  int old_running = 0, old_pending = 0;
  if (const json::array* ds = ArrayField(service, "deployments")) {
    for (const auto& v : *ds) {
      if (!v.is_object()) continue;
      const auto& o = v.as_object();
      std::string status = StringField(o, "status");
      if (StringField(o, "id") == id || (status != "PRIMARY" && status != "ACTIVE")) continue;
      old_running += IntField(o, "runningCount");
      old_pending += IntField(o, "pendingCount");
    }
  }
  line += fmt::format("  old {} running", old_running);
  if (old_pending > 0) line += fmt::format(", {} pending", old_pending);
  return line;
}

DeployStatus EvaluateDeploy(const json::object& service, std::string_view id) {
  DeployStatus st;
  std::string name = StringField(service, "serviceName");
  std::string service_status = StringField(service, "status");
  if (!service_status.empty() && service_status != "ACTIVE") {
    st.phase = DeployPhase::kGone;
    st.message = fmt::format("service {} is {} (being deleted); deployment {} stopped", name,
                             service_status, id);
    return st;
  }
  const json::object* d = FindDeployment(service, id);
  if (d == nullptr) {
    st.phase = DeployPhase::kGone;
    st.message = fmt::format("deployment {} is no longer listed by service {}", id, name);
    return st;
  }
  std::string state = StringField(*d, "rolloutState");
  std::string status = StringField(*d, "status");
  const json::object* primary = PrimaryDeployment(service);
  if (state == "COMPLETED") {
    st.phase = DeployPhase::kCompleted;
    st.message = fmt::format("deployment {} completed: {} {}/{} running", id,
                             FamilyRevision(StringField(*d, "taskDefinition")),
                             IntField(*d, "runningCount"), IntField(*d, "desiredCount"));
    return st;
  }
  if (state == "FAILED") {
    if (primary != nullptr && StringField(*primary, "id") != id) {
      st.rollback_id = StringField(*primary, "id");
      st.rollback_revision = FamilyRevision(StringField(*primary, "taskDefinition"));
      std::string primary_state = StringField(*primary, "rolloutState");
      if (primary_state == "COMPLETED") {
        st.phase = DeployPhase::kRolledBack;
        st.message = fmt::format("deployment {} failed; rolled back to {}", id,
                                 st.rollback_revision);
      } else if (primary_state == "FAILED") {
        st.phase = DeployPhase::kFailed;
        st.message = fmt::format("deployment {} failed; the rollback to {} failed too", id,
                                 st.rollback_revision);
      } else {
        st.phase = DeployPhase::kRollingBack;
        st.message = fmt::format("deployment {} failed; rolling back to {}", id,
                                 st.rollback_revision);
      }
      return st;
    }
    st.phase = DeployPhase::kFailed;
    std::string reason = StringField(*d, "rolloutStateReason");
    st.message = reason.empty() ? fmt::format("deployment {} failed", id)
                                : fmt::format("deployment {} failed: {}", id, reason);
    return st;
  }
  if (status != "PRIMARY") {
    st.phase = DeployPhase::kSuperseded;
    st.message = primary != nullptr
                     ? fmt::format("deployment {} was superseded by deployment {} ({})", id,
                                   StringField(*primary, "id"),
                                   FamilyRevision(StringField(*primary, "taskDefinition")))
                     : fmt::format("deployment {} is no longer the primary deployment", id);
    return st;
  }
  st.phase = DeployPhase::kInProgress;
  return st;
}

std::string FormatLocalTime(double epoch_seconds) {
  auto t = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm tm{};
  if (::localtime_r(&t, &tm) == nullptr) return "";
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf, n);
}

std::string FormatEventLine(const json::object& event) {
  auto at = NumberField(event, "createdAt");
  return fmt::format("{}  {}", at ? FormatLocalTime(*at) : std::string(19, ' '),
                     StringField(event, "message"));
}

std::vector<json::object> TakeNewEvents(const json::array& newest_first,
                                        std::set<std::string>& seen) {
  std::vector<json::object> out;
  std::set<std::string> listed;
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    if (!it->is_object()) continue;
    const auto& e = it->as_object();
    std::string id = StringField(e, "id");
    if (id.empty())
      id = fmt::format("{}|{}", NumberField(e, "createdAt").value_or(0), StringField(e, "message"));
    if (!seen.contains(id)) out.push_back(e);
    listed.insert(std::move(id));
  }
  seen = std::move(listed);  // ids that fell off the list cannot come back: keep `seen` bounded
  return out;
}

}  // namespace gantry::cli
