#include "model/service.h"

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "common/json_util.h"

namespace gantry::model {

namespace json = boost::json;

Deployment* Service::Primary() {
  for (auto& d : deployments) {
    if (d.status == deployment_status::kPrimary) return &d;
  }
  return nullptr;
}

const Deployment* Service::Primary() const {
  return const_cast<Service*>(this)->Primary();
}

Deployment* Service::FindDeployment(const std::string& id) {
  for (auto& d : deployments) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

void Service::AddEvent(ServiceEvent e) {
  events.insert(events.begin(), std::move(e));
  if (events.size() > kMaxServiceEvents) events.resize(kMaxServiceEvents);
}

std::string ServiceArn(const Account& a, const std::string& cluster, const std::string& name) {
  return fmt::format("arn:aws:ecs:{}:{}:service/{}/{}", a.region, a.account_id, cluster, name);
}

std::string DeploymentId(const std::string& random_digits) { return "ecs-svc/" + random_digits; }

std::string ServiceGroup(const std::string& name) { return "service:" + name; }

namespace {

Result<std::string> ParseCluster(const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(auto cluster, GetString(body, "cluster", ""));
  if (!cluster || cluster->empty()) return std::string("default");
  std::string c = *cluster;
  if (auto pos = c.find(":cluster/"); c.rfind("arn:", 0) == 0 && pos != std::string::npos)
    c = c.substr(pos + 9);
  if (!IsValidName(c))
    return MakeError(ErrorCode::kInvalidArgument, "Invalid cluster name '{}'", *cluster);
  return c;
}

Result<int> ParseDesiredCount(const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(auto n, GetInt(body, "desiredCount", ""));
  if (!n) return 0;
  if (*n < 0)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid desiredCount {}: desiredCount can not be less than 0.", *n);
  if (*n > 5000)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid desiredCount {}: desiredCount can not be more than 5000.", *n);
  return static_cast<int>(*n);
}

Result<std::optional<int>> ParseGracePeriod(const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(auto n, GetInt(body, "healthCheckGracePeriodSeconds", ""));
  if (!n) return std::optional<int>{};
  if (*n < 0 || *n > 2147483647)
    return MakeError(ErrorCode::kInvalidArgument,
                     "healthCheckGracePeriodSeconds must be between 0 and 2147483647");
  return std::optional<int>(static_cast<int>(*n));
}

Result<std::optional<json::object>> ParseNetworkConfiguration(const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(const json::object* nc, GetObject(body, "networkConfiguration", ""));
  if (!nc) return std::optional<json::object>{};
  if (auto it = nc->find("awsvpcConfiguration");
      it != nc->end() && !it->value().is_object() && !it->value().is_null())
    return MakeError(ErrorCode::kInvalidArgument,
                     "networkConfiguration.awsvpcConfiguration must be an object");
  return std::optional<json::object>(*nc);
}

}  // namespace

Result<void> ValidateDeploymentConfiguration(const DeploymentConfiguration& c) {
  if (c.minimum_healthy_percent < 0 || c.minimum_healthy_percent > 100)
    return MakeError(ErrorCode::kInvalidArgument,
                     "deploymentConfiguration.minimumHealthyPercent must be between 0 and 100 "
                     "(got {}).",
                     c.minimum_healthy_percent);
  if (c.minimum_healthy_percent > c.maximum_percent)
    return MakeError(ErrorCode::kInvalidArgument,
                     "deploymentConfiguration.minimumHealthyPercent ({}) can not be greater than "
                     "deploymentConfiguration.maximumPercent ({}).",
                     c.minimum_healthy_percent, c.maximum_percent);
  if (c.maximum_percent < 100 || c.maximum_percent > 400)
    return MakeError(ErrorCode::kInvalidArgument,
                     "deploymentConfiguration.maximumPercent must be between 100 and 400 (got {}).",
                     c.maximum_percent);
  if (c.minimum_healthy_percent == c.maximum_percent)
    return MakeError(ErrorCode::kInvalidArgument,
                     "deploymentConfiguration.maximumPercent ({}) must be greater than "
                     "minimumHealthyPercent ({}): a deployment could neither start nor stop a task.",
                     c.maximum_percent, c.minimum_healthy_percent);
  return Ok();
}

Result<DeploymentConfiguration> ParseDeploymentConfiguration(const json::object& o,
                                                             DeploymentConfiguration base) {
  const std::string p = "deploymentConfiguration";
  GANTRY_ASSIGN_OR_RETURN(auto min, GetInt(o, "minimumHealthyPercent", p));
  GANTRY_ASSIGN_OR_RETURN(auto max, GetInt(o, "maximumPercent", p));
  if (min) {
    if (*min < INT32_MIN || *min > INT32_MAX)
      return MakeError(ErrorCode::kInvalidArgument, "{}.minimumHealthyPercent is out of range", p);
    base.minimum_healthy_percent = static_cast<int>(*min);
  }
  if (max) {
    if (*max < INT32_MIN || *max > INT32_MAX)
      return MakeError(ErrorCode::kInvalidArgument, "{}.maximumPercent is out of range", p);
    base.maximum_percent = static_cast<int>(*max);
  }
  GANTRY_ASSIGN_OR_RETURN(const json::object* cb, GetObject(o, "deploymentCircuitBreaker", p));
  if (cb) {
    const std::string cp = p + ".deploymentCircuitBreaker";
    GANTRY_ASSIGN_OR_RETURN(auto enable, GetBool(*cb, "enable", cp));
    GANTRY_ASSIGN_OR_RETURN(auto rollback, GetBool(*cb, "rollback", cp));
    if (!enable || !rollback)
      return MakeError(ErrorCode::kInvalidArgument, "{}: enable and rollback are both required",
                       cp);
    base.circuit_breaker = {*enable, *rollback};
  }
  GANTRY_TRY(ValidateDeploymentConfiguration(base));
  return base;
}

Result<CreateServiceRequest> ParseCreateServiceRequest(const json::object& body) {
  CreateServiceRequest r;
  GANTRY_ASSIGN_OR_RETURN(auto name, GetString(body, "serviceName", ""));
  if (!name || name->empty())
    return MakeError(ErrorCode::kInvalidArgument, "serviceName is required");
  if (!IsValidName(*name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid serviceName '{}': up to 255 letters (uppercase and lowercase), "
                     "numbers, underscores, and hyphens are allowed.",
                     *name);
  r.name = *name;
  GANTRY_ASSIGN_OR_RETURN(r.cluster, ParseCluster(body));
  GANTRY_ASSIGN_OR_RETURN(auto td, GetString(body, "taskDefinition", ""));
  if (!td || td->empty())
    return MakeError(ErrorCode::kInvalidArgument, "taskDefinition is required");
  r.task_definition = *td;
  GANTRY_ASSIGN_OR_RETURN(r.desired_count, ParseDesiredCount(body));
  GANTRY_ASSIGN_OR_RETURN(auto lt, GetString(body, "launchType", ""));
  if (lt) {
    if (*lt != "FARGATE" && *lt != "EC2" && *lt != "EXTERNAL")
      return MakeError(ErrorCode::kInvalidArgument,
                       "launchType must be FARGATE, EC2 or EXTERNAL (got '{}')", *lt);
    r.launch_type = *lt;
  }
  GANTRY_ASSIGN_OR_RETURN(auto nc, ParseNetworkConfiguration(body));
  if (nc) r.network_configuration = std::move(*nc);
  GANTRY_ASSIGN_OR_RETURN(const json::object* dc, GetObject(body, "deploymentConfiguration", ""));
  if (dc) {
    GANTRY_ASSIGN_OR_RETURN(r.deployment_configuration, ParseDeploymentConfiguration(*dc, {}));
  }
  GANTRY_ASSIGN_OR_RETURN(auto grace, ParseGracePeriod(body));
  r.health_check_grace_period_s = grace.value_or(0);
  GANTRY_ASSIGN_OR_RETURN(r.tags, ParseTags(body, "tags", ""));
  return r;
}

Result<UpdateServiceRequest> ParseUpdateServiceRequest(const json::object& body) {
  UpdateServiceRequest r;
  GANTRY_ASSIGN_OR_RETURN(auto td, GetString(body, "taskDefinition", ""));
  if (td) {
    if (td->empty()) return MakeError(ErrorCode::kInvalidArgument, "taskDefinition is empty");
    r.task_definition = *td;
  }
  if (body.contains("desiredCount") && !body.at("desiredCount").is_null()) {
    GANTRY_ASSIGN_OR_RETURN(r.desired_count, ParseDesiredCount(body));
  }
  GANTRY_ASSIGN_OR_RETURN(auto force, GetBool(body, "forceNewDeployment", ""));
  r.force_new_deployment = force.value_or(false);
  GANTRY_ASSIGN_OR_RETURN(const json::object* dc, GetObject(body, "deploymentConfiguration", ""));
  if (dc) {
    // Type-check now; values are validated again once merged over the current configuration.
    GANTRY_ASSIGN_OR_RETURN(auto ignored, ParseDeploymentConfiguration(*dc, {0, 200, {}}));
    (void)ignored;
    r.deployment_configuration = *dc;
  }
  GANTRY_ASSIGN_OR_RETURN(r.health_check_grace_period_s, ParseGracePeriod(body));
  GANTRY_ASSIGN_OR_RETURN(r.network_configuration, ParseNetworkConfiguration(body));
  return r;
}

// ---- JSON

namespace {

void PutTime(json::object& o, const char* key, int64_t ms, bool api) {
  if (api) o[key] = MsToEpochSeconds(ms);
  else o[key] = ms;
}

json::object DeploymentJson(const Deployment& d, bool api) {
  json::object o{{"id", d.id},
                 {"status", d.status},
                 {"taskDefinition", d.task_definition},
                 {"desiredCount", d.desired_count},
                 {"pendingCount", d.pending_count},
                 {"runningCount", d.running_count},
                 {"failedTasks", d.failed_tasks},
                 {"rolloutState", d.rollout_state}};
  if (!d.rollout_state_reason.empty()) o["rolloutStateReason"] = d.rollout_state_reason;
  PutTime(o, "createdAt", d.created_at_ms, api);
  PutTime(o, "updatedAt", d.updated_at_ms, api);
  return o;
}

json::object EventJson(const ServiceEvent& e, bool api) {
  json::object o{{"id", e.id}, {"message", e.message}};
  PutTime(o, "createdAt", e.created_at_ms, api);
  return o;
}

json::object ServiceJson(const Service& s, bool api) {
  const auto& dc = s.deployment_configuration;
  json::object o{{"serviceName", s.name},
                 {"serviceArn", s.arn},
                 {"clusterArn", s.cluster_arn},
                 {"taskDefinition", s.task_definition},
                 {"desiredCount", s.desired_count},
                 {"runningCount", s.running_count},
                 {"pendingCount", s.pending_count},
                 {"status", s.status},
                 {"launchType", s.launch_type},
                 {"schedulingStrategy", "REPLICA"},
                 {"deploymentController", json::object{{"type", "ECS"}}},
                 {"healthCheckGracePeriodSeconds", s.health_check_grace_period_s},
                 {"deploymentConfiguration",
                  json::object{{"minimumHealthyPercent", dc.minimum_healthy_percent},
                               {"maximumPercent", dc.maximum_percent},
                               {"deploymentCircuitBreaker",
                                json::object{{"enable", dc.circuit_breaker.enable},
                                             {"rollback", dc.circuit_breaker.rollback}}}}}};
  if (!s.network_configuration.empty()) o["networkConfiguration"] = s.network_configuration;
  json::array ds;
  for (const auto& d : s.deployments) ds.push_back(DeploymentJson(d, api));
  o["deployments"] = std::move(ds);
  json::array es;
  for (const auto& e : s.events) es.push_back(EventJson(e, api));
  o["events"] = std::move(es);
  o["tags"] = TagsToJson(s.tags);
  PutTime(o, "createdAt", s.created_at_ms, api);
  if (!api) {
    o["cluster"] = s.cluster;
    o["generation"] = s.generation;
    json::array counted;
    for (const auto& id : s.scheduler.counted_failures) counted.push_back(json::string(id));
    o["scheduler"] = json::object{{"consecutiveFailures", s.scheduler.consecutive_failures},
                                  {"lastFailureAt", s.scheduler.last_failure_at_ms},
                                  {"nextLaunchAt", s.scheduler.next_launch_at_ms},
                                  {"countedFailures", std::move(counted)},
                                  {"steady", s.scheduler.steady}};
  }
  return o;
}

std::string Str(const json::object& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

int64_t Num(const json::object& o, const char* k) {
  auto it = o.find(k);
  if (it == o.end()) return 0;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().as_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().as_double());
  return 0;
}

bool Bool(const json::object& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

const json::object* Obj(const json::object& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

const json::array* Arr(const json::object& o, const char* k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
}

}  // namespace

json::object ToApiJson(const Service& s) { return ServiceJson(s, true); }
json::object ToApiJson(const Deployment& d) { return DeploymentJson(d, true); }
json::object ToApiJson(const ServiceEvent& e) { return EventJson(e, true); }
std::string ToStoreJson(const Service& s) { return json::serialize(ServiceJson(s, false)); }

Result<Service> ServiceFromStoreJson(const std::string& text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInternal, "stored service corrupt");
  const auto& o = v.as_object();
  Service s;
  s.name = Str(o, "serviceName");
  s.arn = Str(o, "serviceArn");
  s.cluster = Str(o, "cluster");
  s.cluster_arn = Str(o, "clusterArn");
  s.task_definition = Str(o, "taskDefinition");
  s.desired_count = static_cast<int>(Num(o, "desiredCount"));
  s.running_count = static_cast<int>(Num(o, "runningCount"));
  s.pending_count = static_cast<int>(Num(o, "pendingCount"));
  s.status = Str(o, "status");
  s.launch_type = Str(o, "launchType");
  if (const auto* nc = Obj(o, "networkConfiguration")) s.network_configuration = *nc;
  if (const auto* dc = Obj(o, "deploymentConfiguration")) {
    s.deployment_configuration.minimum_healthy_percent =
        static_cast<int>(Num(*dc, "minimumHealthyPercent"));
    s.deployment_configuration.maximum_percent = static_cast<int>(Num(*dc, "maximumPercent"));
    if (const auto* cb = Obj(*dc, "deploymentCircuitBreaker"))
      s.deployment_configuration.circuit_breaker = {Bool(*cb, "enable"), Bool(*cb, "rollback")};
  }
  s.health_check_grace_period_s = static_cast<int>(Num(o, "healthCheckGracePeriodSeconds"));
  if (const auto* ds = Arr(o, "deployments")) {
    for (const auto& dv : *ds) {
      if (!dv.is_object()) continue;
      const auto& d = dv.as_object();
      Deployment dep;
      dep.id = Str(d, "id");
      dep.status = Str(d, "status");
      dep.task_definition = Str(d, "taskDefinition");
      dep.desired_count = static_cast<int>(Num(d, "desiredCount"));
      dep.pending_count = static_cast<int>(Num(d, "pendingCount"));
      dep.running_count = static_cast<int>(Num(d, "runningCount"));
      dep.failed_tasks = static_cast<int>(Num(d, "failedTasks"));
      dep.rollout_state = Str(d, "rolloutState");
      dep.rollout_state_reason = Str(d, "rolloutStateReason");
      dep.created_at_ms = Num(d, "createdAt");
      dep.updated_at_ms = Num(d, "updatedAt");
      s.deployments.push_back(std::move(dep));
    }
  }
  if (const auto* es = Arr(o, "events")) {
    for (const auto& ev : *es) {
      if (!ev.is_object()) continue;
      const auto& e = ev.as_object();
      s.events.push_back({Str(e, "id"), Num(e, "createdAt"), Str(e, "message")});
    }
  }
  GANTRY_ASSIGN_OR_RETURN(s.tags, ParseTags(o, "tags", ""));
  s.created_at_ms = Num(o, "createdAt");
  s.generation = Num(o, "generation");
  if (const auto* st = Obj(o, "scheduler")) {
    s.scheduler.consecutive_failures = static_cast<int>(Num(*st, "consecutiveFailures"));
    s.scheduler.last_failure_at_ms = Num(*st, "lastFailureAt");
    s.scheduler.next_launch_at_ms = Num(*st, "nextLaunchAt");
    s.scheduler.steady = Bool(*st, "steady");
    if (const auto* cf = Arr(*st, "countedFailures")) {
      for (const auto& id : *cf) {
        if (id.is_string()) s.scheduler.counted_failures.emplace_back(id.as_string());
      }
    }
  }
  return s;
}

}  // namespace gantry::model
