#include "aws/ecs_service.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "aws/list_paging.h"
#include "common/json_util.h"
#include "model/region.h"
#include "model/service.h"
#include "model/tags.h"

namespace gantry::aws {

namespace json = boost::json;

namespace {

AwsError Ecs(const char* type, std::string message, int status = 400) {
  return AwsError{status, type, std::move(message)};
}

// gantry's error codes in ECS's vocabulary. Callers that know better (cluster, service, task
// definition lookups) map those cases themselves, with ECS's exact messages.
AwsError FromError(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
      return Ecs("InvalidParameterException", e.message);
    case ErrorCode::kNotFound:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kResourceExhausted:
      return Ecs("ClientException", e.message);
    case ErrorCode::kUnauthenticated:
      return Ecs("AccessDeniedException", e.message);
    case ErrorCode::kConflict:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      break;
  }
  return Ecs("ServerException", e.message, 500);
}

AwsError ClusterNotFound() { return Ecs("ClusterNotFoundException", "Cluster not found."); }
AwsError ServiceNotFound() { return Ecs("ServiceNotFoundException", "Service not found."); }

// Reads an input field; a wrong type is the client's error (the frontend's model validation
// normally catches it first).
#define ECS_GET(lhs, expr)                                         \
  auto GANTRY_CONCAT(ecs_r_, __LINE__) = (expr);                   \
  if (!GANTRY_CONCAT(ecs_r_, __LINE__).ok())                       \
    return FromError(GANTRY_CONCAT(ecs_r_, __LINE__).error());     \
  lhs = std::move(GANTRY_CONCAT(ecs_r_, __LINE__)).value()

bool Includes(const json::object& in, const char* what) {
  auto it = in.find("include");
  if (it == in.end() || !it->value().is_array()) return false;
  for (const auto& v : it->value().as_array())
    if (v.is_string() && v.as_string() == what) return true;
  return false;
}

std::vector<std::string> Strings(const json::object& in, const char* key) {
  std::vector<std::string> out;
  auto it = in.find(key);
  if (it == in.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().as_array())
    if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

json::object TaskJson(const model::Task& t, bool with_tags) {
  json::object o = model::ToApiJson(t);
  if (!with_tags) o.erase("tags");
  return o;
}

json::object TaskDefinitionJson(const model::TaskDefinition& td) {
  json::object o = model::ToApiJson(td);
  o.erase("tags");
  return o;
}

// ECS lists only the PRIMARY and ACTIVE deployments (services-stable waits for exactly one);
// gantry keeps a few INACTIVE ones as history for rollbacks and the native API.
json::object ServiceJson(const model::Service& s, bool with_tags = true) {
  json::object o = model::ToApiJson(s);
  if (auto* ds = o.if_contains("deployments"); ds && ds->is_array()) {
    json::array kept;
    for (auto& d : ds->as_array()) {
      const auto* st = d.is_object() ? d.as_object().if_contains("status") : nullptr;
      if (st && st->is_string() && st->as_string() == model::deployment_status::kInactive) continue;
      kept.push_back(std::move(d));
    }
    *ds = std::move(kept);
  }
  if (!with_tags) o.erase("tags");
  return o;
}

std::string Str(const json::object& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

// What an ARN names: resource type ("task", "cluster", ...) and the rest after the first '/'.
struct ArnParts {
  std::string region;
  std::string type;
  std::string resource;  // everything after "<type>/"
};
std::optional<ArnParts> ParseEcsArn(const std::string& arn) {
  if (arn.rfind("arn:aws:ecs:", 0) != 0) return std::nullopt;
  // arn:aws:ecs:<region>:<account>:<type>/<resource>
  size_t p = 0;
  for (int i = 0; i < 5; ++i) {
    p = arn.find(':', p);
    if (p == std::string::npos) return std::nullopt;
    ++p;
  }
  size_t slash = arn.find('/', p);
  if (slash == std::string::npos) return std::nullopt;
  return ArnParts{model::RegionOfArn(arn), arn.substr(p, slash - p), arn.substr(slash + 1)};
}

}  // namespace

struct EcsService::Ctx {
  std::string region;
  const json::object& in;
};

EcsService::EcsService(EcsServiceDeps deps)
    : d_(deps), clusters_(deps.store, deps.clock, deps.taskdefs.account()) {
  ops_ = {{"CreateCluster", &EcsService::CreateCluster},
          {"DescribeClusters", &EcsService::DescribeClusters},
          {"ListClusters", &EcsService::ListClusters},
          {"DeleteCluster", &EcsService::DeleteCluster},
          {"RegisterTaskDefinition", &EcsService::RegisterTaskDefinition},
          {"DescribeTaskDefinition", &EcsService::DescribeTaskDefinition},
          {"ListTaskDefinitions", &EcsService::ListTaskDefinitions},
          {"ListTaskDefinitionFamilies", &EcsService::ListTaskDefinitionFamilies},
          {"DeregisterTaskDefinition", &EcsService::DeregisterTaskDefinition},
          {"RunTask", &EcsService::RunTask},
          {"StartTask", &EcsService::StartTask},
          {"StopTask", &EcsService::StopTask},
          {"DescribeTasks", &EcsService::DescribeTasks},
          {"ListTasks", &EcsService::ListTasks},
          {"CreateService", &EcsService::CreateService},
          {"UpdateService", &EcsService::UpdateService},
          {"DeleteService", &EcsService::DeleteService},
          {"DescribeServices", &EcsService::DescribeServices},
          {"ListServices", &EcsService::ListServices},
          {"TagResource", &EcsService::TagResource},
          {"UntagResource", &EcsService::UntagResource},
          {"ListTagsForResource", &EcsService::ListTagsForResource}};
}

AwsResult EcsService::Call(const AwsCall& call) {
  auto it = ops_.find(call.operation);
  if (it == ops_.end())
    return Ecs("UnknownOperationException",
               "The operation " + call.operation + " is not supported by gantry's ECS API.");
  std::string region = call.region.empty() ? d_.taskdefs.account().region : call.region;
  if (!model::IsValidRegion(region))
    return Ecs("InvalidParameterException", "Invalid region '" + region + "'.");
  Ctx ctx{region, call.input};
  try {
    return (this->*(it->second))(ctx);
  } catch (const std::exception& e) {  // boost::json accessors on a shape we did not expect
    return Ecs("ServerException", std::string("internal error: ") + e.what(), 500);
  }
}

// ---------------------------------------------------------------------------------------------
// Clusters

Result<model::Cluster> EcsService::ClusterOf(const Ctx& c) {
  std::string name = Str(c.in, "cluster");
  return clusters_.RequireActive(c.region, name);
}

AwsResult EcsService::CreateCluster(const Ctx& c) {
  ECS_GET(auto tags, model::ParseTags(c.in, "tags", ""));
  ECS_GET(const json::array* settings, GetArray(c.in, "settings", ""));
  ECS_GET(model::Cluster cl, clusters_.Create(c.region, Str(c.in, "clusterName"), tags,
                                                settings ? *settings : json::array{}));
  ECS_GET(auto counts, clusters_.Counts(c.region, cl.name));
  return json::object{{"cluster", model::ToApiJson(cl, counts, true)}};
}

AwsResult EcsService::DescribeClusters(const Ctx& c) {
  std::vector<std::string> names = Strings(c.in, "clusters");
  if (names.empty()) names.push_back(model::kDefaultCluster);
  if (names.size() > 100)
    return Ecs("InvalidParameterException", "clusters can have at most 100 items.");
  bool tags = Includes(c.in, "TAGS");
  json::array clusters, failures;
  for (const auto& n : names) {
    auto cl = clusters_.Describe(c.region, n);
    if (!cl.ok()) {
      if (cl.error().code != ErrorCode::kNotFound && cl.error().code != ErrorCode::kInvalidArgument)
        return FromError(cl.error());
      std::string arn = n.rfind("arn:", 0) == 0
                            ? n
                            : model::ClusterArn(d_.taskdefs.AccountFor(c.region), n);
      failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
      continue;
    }
    ECS_GET(auto counts, clusters_.Counts(c.region, cl->name));
    clusters.push_back(model::ToApiJson(*cl, counts, tags));
  }
  return json::object{{"clusters", clusters}, {"failures", failures}};
}

AwsResult EcsService::ListClusters(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "maxResults", 100, 100);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  ECS_GET(auto clusters, clusters_.List(c.region));
  json::object out;
  WritePage(clusters, std::get<PageRequest>(page), out, "clusterArns", "nextToken",
            [](const model::Cluster& cl) { return json::value(cl.arn); });
  return out;
}

AwsResult EcsService::DeleteCluster(const Ctx& c) {
  auto cl = clusters_.Delete(c.region, Str(c.in, "cluster"));
  if (!cl.ok()) {
    const auto& m = cl.error().message;
    if (cl.error().code == ErrorCode::kNotFound) return ClusterNotFound();
    if (m == services::ClusterService::kTasksBlockDelete)
      return Ecs("ClusterContainsTasksException", m);
    if (m == services::ClusterService::kServicesBlockDelete)
      return Ecs("ClusterContainsServicesException", m);
    return FromError(cl.error());
  }
  return json::object{{"cluster", model::ToApiJson(*cl, {}, true)}};
}

// ---------------------------------------------------------------------------------------------
// Task definitions

AwsResult EcsService::RegisterTaskDefinition(const Ctx& c) {
  auto registered = d_.taskdefs.Register(c.in, c.region);
  if (!registered.ok()) {
    // ECS reports invalid definitions ("Invalid setting for container ...") as ClientException.
    if (registered.error().code == ErrorCode::kInvalidArgument)
      return Ecs("ClientException", registered.error().message);
    return FromError(registered.error());
  }
  const model::TaskDefinition& td = *registered;
  json::object out{{"taskDefinition", TaskDefinitionJson(td)}};
  if (!td.tags.empty()) out["tags"] = model::TagsToJson(td.tags);
  return out;
}

AwsResult EcsService::DescribeTaskDefinition(const Ctx& c) {
  auto td = d_.taskdefs.Describe(Str(c.in, "taskDefinition"), c.region);
  if (!td.ok()) {
    if (td.error().code == ErrorCode::kNotFound || td.error().code == ErrorCode::kInvalidArgument)
      return Ecs("ClientException", "Unable to describe task definition.");
    return FromError(td.error());
  }
  json::object out{{"taskDefinition", TaskDefinitionJson(*td)}};
  if (Includes(c.in, "TAGS")) out["tags"] = model::TagsToJson(td->tags);
  return out;
}

AwsResult EcsService::ListTaskDefinitions(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "maxResults", 100, 100);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  std::string status = Str(c.in, "status");
  // ECS's familyPrefix here is the full family name (unlike ListTaskDefinitionFamilies).
  std::string family = Str(c.in, "familyPrefix");
  ECS_GET(auto tds, d_.taskdefs.List(family, status.empty() ? "ACTIVE" : status, c.region));
  if (!family.empty())
    std::erase_if(tds, [&](const model::TaskDefinition& td) { return td.family != family; });
  bool desc = Str(c.in, "sort") == "DESC";
  std::sort(tds.begin(), tds.end(), [desc](const auto& a, const auto& b) {
    if (a.family != b.family) return desc ? a.family > b.family : a.family < b.family;
    return desc ? a.revision > b.revision : a.revision < b.revision;
  });
  json::object out;
  WritePage(tds, std::get<PageRequest>(page), out, "taskDefinitionArns", "nextToken",
            [](const model::TaskDefinition& td) { return json::value(td.arn); });
  return out;
}

AwsResult EcsService::ListTaskDefinitionFamilies(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "maxResults", 100, 100);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  std::string status = Str(c.in, "status");
  if (status.empty()) status = "ALL";
  ECS_GET(auto tds, d_.taskdefs.List(Str(c.in, "familyPrefix"), "ALL", c.region));
  // A family is ACTIVE while it has an ACTIVE revision, INACTIVE once all are deregistered.
  std::map<std::string, bool> active;
  for (const auto& td : tds) active[td.family] |= td.status == "ACTIVE";
  std::vector<std::string> fams;
  for (const auto& [f, a] : active) {
    if (status == "ALL" || (status == "ACTIVE") == a) fams.push_back(f);
  }
  json::object out;
  WritePage(fams, std::get<PageRequest>(page), out, "families", "nextToken",
            [](const std::string& f) { return json::value(f); });
  return out;
}

AwsResult EcsService::DeregisterTaskDefinition(const Ctx& c) {
  auto td = d_.taskdefs.Deregister(Str(c.in, "taskDefinition"), c.region);
  if (!td.ok()) {
    if (td.error().code == ErrorCode::kNotFound)
      return Ecs("ClientException", "The specified task definition does not exist.");
    return FromError(td.error());
  }
  return json::object{{"taskDefinition", TaskDefinitionJson(*td)}};
}

// ---------------------------------------------------------------------------------------------
// Tasks

Result<std::string> EcsService::PrepareLogGroups(const model::TaskDefinition& td,
                                                 const std::string& region) {
  for (const auto& cd : td.containers) {
    if (!cd.log_configuration || cd.log_configuration->log_driver != "awslogs") continue;
    const auto& o = cd.log_configuration->options;
    auto g = o.find("awslogs-group");
    auto r = o.find("awslogs-region");
    auto create = o.find("awslogs-create-group");
    std::string name = g != o.end() ? g->second : "/ecs/" + td.family;
    std::string stored =
        model::RegionalLogGroup(r != o.end() && !r->second.empty() ? r->second : region, name);
    GANTRY_ASSIGN_OR_RETURN(auto groups, d_.logs.ListGroups(stored));
    bool exists = std::any_of(groups.begin(), groups.end(),
                              [&](const store::LogGroupInfo& i) { return i.name == stored; });
    if (exists) continue;
    if (create != o.end() && create->second == "true") {
      auto cr = d_.logs.CreateGroup(stored, d_.clock.NowMs());
      if (!cr.ok() && cr.error().code != ErrorCode::kAlreadyExists) return std::move(cr).error();
      continue;
    }
    // ECS's agent reports exactly this when the group is missing and may not be created.
    return std::string(
        "ResourceInitializationError: failed to validate logger args: create stream has been "
        "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The "
        "specified log group does not exist. : exit status 1");
  }
  return std::string();
}

AwsResult EcsService::Launch(const Ctx& c, const std::string& launch_type) {
  ECS_GET(services::RunTaskRequest req, services::ParseRunTaskRequest(c.in));
  req.region = c.region;
  if (!launch_type.empty()) req.launch_type = launch_type;
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) {
    if (cluster.error().code == ErrorCode::kNotFound) return ClusterNotFound();
    return FromError(cluster.error());
  }
  req.cluster = cluster->name;
  auto td = d_.taskdefs.Describe(req.task_definition, c.region);
  if (!td.ok()) {
    if (td.error().code == ErrorCode::kNotFound)
      return Ecs("ClientException", "TaskDefinition not found.");
    return FromError(td.error());
  }
  if (td->status != "ACTIVE") return Ecs("ClientException", "TaskDefinition is inactive");
  req.task_definition = td->arn;  // the revision we checked is the one that runs
  ECS_GET(std::string log_failure, PrepareLogGroups(*td, c.region));
  ECS_GET(auto tasks, d_.tasks.Run(req));
  if (!log_failure.empty()) {
    for (const auto& t : tasks) {
      auto r = d_.tasks.Stop(t.id, log_failure, model::stop_code::kTaskFailedToStart);
      if (!r.ok()) return FromError(r.error());
    }
  }
  bool with_tags = !req.tags.empty();
  json::array a;
  for (const auto& t : tasks) a.push_back(TaskJson(t, with_tags));
  return json::object{{"tasks", a}, {"failures", json::array{}}};
}

AwsResult EcsService::RunTask(const Ctx& c) {
  std::string lt = Str(c.in, "launchType");
  if (!lt.empty() && lt != "FARGATE" && lt != "EC2" && lt != "EXTERNAL")
    return Ecs("InvalidParameterException", "launchType must be FARGATE, EC2 or EXTERNAL.");
  if (const auto* nc = c.in.if_contains("networkConfiguration"); nc && nc->is_object()) {
    const auto* vpc = nc->as_object().if_contains("awsvpcConfiguration");
    if (vpc && vpc->is_object()) {
      const auto* subnets = vpc->as_object().if_contains("subnets");
      if (!subnets || !subnets->is_array())
        return Ecs("InvalidParameterException", "subnets can not be empty.");
    }
  }
  return Launch(c, lt.empty() ? "FARGATE" : lt);
}

AwsResult EcsService::StartTask(const Ctx& c) {
  // No container instances: gantry places the task itself; the named instances are accepted.
  if (Strings(c.in, "containerInstances").empty())
    return Ecs("InvalidParameterException", "containerInstances can not be empty.");
  return Launch(c, "EC2");
}

Result<model::Task> EcsService::TaskInRegion(const Ctx& c, const std::string& id_or_arn) {
  if (auto parts = ParseEcsArn(id_or_arn); parts && parts->region != c.region)
    return MakeError(ErrorCode::kNotFound, "task {} not found", id_or_arn);
  GANTRY_ASSIGN_OR_RETURN(model::Task t, d_.tasks.Describe(id_or_arn));
  if (model::RegionOfArn(t.arn) != c.region)
    return MakeError(ErrorCode::kNotFound, "task {} not found", id_or_arn);
  return t;
}

AwsResult EcsService::StopTask(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  std::string ref = Str(c.in, "task");
  auto t = TaskInRegion(c, ref);
  if (!t.ok() || t->cluster != cluster->name) {
    if (t.ok() || t.error().code == ErrorCode::kNotFound ||
        t.error().code == ErrorCode::kInvalidArgument)
      return Ecs("InvalidParameterException", "The referenced task was not found.");
    return FromError(t.error());
  }
  ECS_GET(auto stopped, d_.tasks.Stop(t->id, Str(c.in, "reason")));
  return json::object{{"task", TaskJson(stopped, false)}};
}

AwsResult EcsService::DescribeTasks(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  std::vector<std::string> refs = Strings(c.in, "tasks");
  if (refs.empty()) return Ecs("InvalidParameterException", "Tasks cannot be empty.");
  if (refs.size() > 100)
    return Ecs("InvalidParameterException", "tasks can have at most 100 items.");
  bool tags = Includes(c.in, "TAGS");
  json::array tasks, failures;
  for (const auto& ref : refs) {
    auto t = TaskInRegion(c, ref);
    if (t.ok() && t->cluster == cluster->name) {
      tasks.push_back(TaskJson(*t, tags));
      continue;
    }
    if (!t.ok() && t.error().code != ErrorCode::kNotFound &&
        t.error().code != ErrorCode::kInvalidArgument)
      return FromError(t.error());
    std::string arn = ref;
    if (auto id = model::ParseTaskId(ref); id && ref.rfind("arn:", 0) != 0)
      arn = model::TaskArn(d_.taskdefs.AccountFor(c.region), cluster->name, *id);
    failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
  }
  return json::object{{"tasks", tasks}, {"failures", failures}};
}

AwsResult EcsService::ListTasks(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "maxResults", 100, 100);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  services::TaskFilter f;
  f.region = c.region;
  f.cluster = cluster->name;
  f.family = Str(c.in, "family");
  f.started_by = Str(c.in, "startedBy");
  f.desired_status = Str(c.in, "desiredStatus");
  if (f.desired_status.empty()) f.desired_status = "RUNNING";  // ECS's default filter
  ECS_GET(auto tasks, d_.tasks.List(f));
  std::string service = Str(c.in, "serviceName");
  std::string launch_type = Str(c.in, "launchType");
  std::erase_if(tasks, [&](const model::Task& t) {
    if (!service.empty() && t.group != model::ServiceGroup(service)) return true;
    if (!launch_type.empty() && t.launch_type != launch_type) return true;
    return false;
  });
  json::object out;
  WritePage(tasks, std::get<PageRequest>(page), out, "taskArns", "nextToken",
            [](const model::Task& t) { return json::value(t.arn); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Services

Result<model::Service> EcsService::ServiceInRegion(const Ctx& c, const std::string& cluster,
                                                   const std::string& name_or_arn) {
  std::string ref = name_or_arn;
  if (ref.rfind("arn:", 0) != 0)
    ref = model::ServiceArn(d_.taskdefs.AccountFor(c.region), cluster, name_or_arn);
  else if (model::RegionOfArn(ref) != c.region)
    return MakeError(ErrorCode::kNotFound, "Service not found: {}", name_or_arn);
  GANTRY_ASSIGN_OR_RETURN(model::Service s, d_.services.Describe(ref));
  if (model::RegionOfArn(s.arn) != c.region || s.cluster != cluster)
    return MakeError(ErrorCode::kNotFound, "Service not found: {}", name_or_arn);
  return s;
}

AwsResult EcsService::CreateService(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  json::object body = c.in;
  body["cluster"] = cluster->name;
  auto td = d_.taskdefs.Describe(Str(c.in, "taskDefinition"), c.region);
  if (!td.ok()) {
    if (td.error().code == ErrorCode::kNotFound || td.error().code == ErrorCode::kInvalidArgument)
      return Ecs("ClientException", "TaskDefinition not found.");
    return FromError(td.error());
  }
  body["taskDefinition"] = td->arn;
  ECS_GET(std::string log_failure, PrepareLogGroups(*td, c.region));
  (void)log_failure;  // the service's tasks fail to start and the service reports it
  auto s = d_.services.Create(body, c.region);
  if (!s.ok()) return FromError(s.error());
  return json::object{{"service", ServiceJson(*s)}};
}

AwsResult EcsService::UpdateService(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  auto s = ServiceInRegion(c, cluster->name, Str(c.in, "service"));
  if (!s.ok()) {
    if (s.error().code == ErrorCode::kNotFound) return ServiceNotFound();
    return FromError(s.error());
  }
  json::object body = c.in;
  if (auto td = Str(c.in, "taskDefinition"); !td.empty()) {
    auto found = d_.taskdefs.Describe(td, c.region);
    if (!found.ok()) return Ecs("ClientException", "TaskDefinition not found.");
    body["taskDefinition"] = found->arn;
  }
  auto u = d_.services.Update(s->arn, body);
  if (!u.ok()) {
    if (u.error().code == ErrorCode::kFailedPrecondition)
      return Ecs("ServiceNotActiveException", "Service was not ACTIVE.");
    if (u.error().code == ErrorCode::kNotFound) return ServiceNotFound();
    return FromError(u.error());
  }
  return json::object{{"service", ServiceJson(*u)}};
}

AwsResult EcsService::DeleteService(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  auto s = ServiceInRegion(c, cluster->name, Str(c.in, "service"));
  if (!s.ok()) {
    if (s.error().code == ErrorCode::kNotFound) return ServiceNotFound();
    return FromError(s.error());
  }
  ECS_GET(auto force, GetBool(c.in, "force", ""));
  auto r = d_.services.Delete(s->arn, force.value_or(false));
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kFailedPrecondition)
      return Ecs("ServiceNotActiveException", "Service was not ACTIVE.");
    return FromError(r.error());
  }
  return json::object{{"service", ServiceJson(*r)}};
}

AwsResult EcsService::DescribeServices(const Ctx& c) {
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  std::vector<std::string> refs = Strings(c.in, "services");
  if (refs.empty()) return Ecs("InvalidParameterException", "Services cannot be empty.");
  if (refs.size() > 10)
    return Ecs("InvalidParameterException", "services can have at most 10 items.");
  bool tags = Includes(c.in, "TAGS");
  json::array services, failures;
  for (const auto& ref : refs) {
    auto s = ServiceInRegion(c, cluster->name, ref);
    if (!s.ok()) {
      if (s.error().code != ErrorCode::kNotFound && s.error().code != ErrorCode::kInvalidArgument)
        return FromError(s.error());
      std::string arn = ref.rfind("arn:", 0) == 0
                            ? ref
                            : model::ServiceArn(d_.taskdefs.AccountFor(c.region), cluster->name, ref);
      failures.push_back(json::object{{"arn", arn}, {"reason", "MISSING"}});
      continue;
    }
    services.push_back(ServiceJson(*s, tags));
  }
  return json::object{{"services", services}, {"failures", failures}};
}

AwsResult EcsService::ListServices(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "maxResults", 100, 10);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  auto cluster = ClusterOf(c);
  if (!cluster.ok()) return ClusterNotFound();
  ECS_GET(auto list, d_.services.List(cluster->name));
  std::string lt = Str(c.in, "launchType");
  std::erase_if(list, [&](const model::Service& s) {
    return model::RegionOfArn(s.arn) != c.region || (!lt.empty() && s.launch_type != lt);
  });
  json::object out;
  WritePage(list, std::get<PageRequest>(page), out, "serviceArns", "nextToken",
            [](const model::Service& s) { return json::value(s.arn); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tags

namespace {
AwsError ResourceNotFound() {
  return Ecs("ResourceNotFoundException", "The specified resource could not be found.");
}
}  // namespace

AwsResult EcsService::TagResource(const Ctx& c) {
  ECS_GET(auto add, model::ParseTags(c.in, "tags", ""));
  std::vector<std::string> remove = Strings(c.in, "tagKeys");
  std::string arn = Str(c.in, "resourceArn");
  auto parts = ParseEcsArn(arn);
  if (!parts) return Ecs("InvalidParameterException", "The ARN provided is invalid.");
  if (parts->region != c.region) return ResourceNotFound();
  Result<void> r = Ok();
  if (parts->type == "cluster") {
    auto x = clusters_.Tag(c.region, parts->resource, add, remove);
    if (!x.ok()) r = std::move(x).error();
  } else if (parts->type == "task-definition") {
    auto x = d_.taskdefs.Tag(arn, c.region, add, remove);
    if (!x.ok()) r = std::move(x).error();
  } else if (parts->type == "task") {
    auto t = TaskInRegion(c, arn);
    if (!t.ok()) return ResourceNotFound();
    auto x = d_.tasks.Tag(t->id, add, remove);
    if (!x.ok()) r = std::move(x).error();
  } else if (parts->type == "service") {
    auto slash = parts->resource.find('/');
    if (slash == std::string::npos) return ResourceNotFound();
    auto s = ServiceInRegion(c, parts->resource.substr(0, slash), arn);
    if (!s.ok()) return ResourceNotFound();
    bool too_many = false;
    auto x = d_.services.Mutate(s->cluster, s->name, [&](model::Service& svc) {
      std::vector<model::Tag> tags = svc.tags;
      too_many = !model::ApplyTagChanges(tags, add, remove);
      if (!too_many) svc.tags = std::move(tags);
    });
    if (!x.ok()) r = std::move(x).error();
    else if (too_many) r = MakeError(ErrorCode::kInvalidArgument, "too many tags");
  } else {
    return Ecs("InvalidParameterException", "The ARN provided is invalid.");
  }
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kNotFound) return ResourceNotFound();
    return FromError(r.error());
  }
  return json::object{};
}

AwsResult EcsService::UntagResource(const Ctx& c) { return TagResource(c); }

AwsResult EcsService::ListTagsForResource(const Ctx& c) {
  std::string arn = Str(c.in, "resourceArn");
  auto parts = ParseEcsArn(arn);
  if (!parts) return Ecs("InvalidParameterException", "The ARN provided is invalid.");
  if (parts->region != c.region) return ResourceNotFound();
  std::vector<model::Tag> tags;
  if (parts->type == "cluster") {
    auto x = clusters_.Describe(c.region, parts->resource);
    if (!x.ok()) return ResourceNotFound();
    tags = x->tags;
  } else if (parts->type == "task-definition") {
    auto x = d_.taskdefs.Describe(arn, c.region);
    if (!x.ok()) return ResourceNotFound();
    tags = x->tags;
  } else if (parts->type == "task") {
    auto t = TaskInRegion(c, arn);
    if (!t.ok()) return ResourceNotFound();
    tags = t->tags;
  } else if (parts->type == "service") {
    auto slash = parts->resource.find('/');
    if (slash == std::string::npos) return ResourceNotFound();
    auto s = ServiceInRegion(c, parts->resource.substr(0, slash), arn);
    if (!s.ok()) return ResourceNotFound();
    tags = s->tags;
  } else {
    return Ecs("InvalidParameterException", "The ARN provided is invalid.");
  }
  return json::object{{"tags", model::TagsToJson(tags)}};
}

}  // namespace gantry::aws
