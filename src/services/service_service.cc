#include "services/service_service.h"

#include <algorithm>
#include <random>

#include "common/json_util.h"

namespace gantry::services {

namespace json = boost::json;
using model::Service;

namespace {

// "name", "cluster/name" (not accepted), or arn:aws:ecs:<r>:<a>:service/<cluster>/<name> (or the
// old service/<name> form) -> (cluster, name).
Result<std::pair<std::string, std::string>> ParseServiceRef(const std::string& in) {
  std::string cluster = "default";
  std::string name = in;
  if (in.rfind("arn:", 0) == 0) {
    auto pos = in.find(":service/");
    if (pos == std::string::npos)
      return MakeError(ErrorCode::kInvalidArgument, "Invalid service ARN '{}'", in);
    std::string rest = in.substr(pos + 9);
    if (auto slash = rest.find('/'); slash != std::string::npos) {
      cluster = rest.substr(0, slash);
      name = rest.substr(slash + 1);
    } else {
      name = rest;
    }
  }
  if (!model::IsValidName(name) || !model::IsValidName(cluster))
    return MakeError(ErrorCode::kInvalidArgument, "Invalid service name '{}'", in);
  return std::make_pair(cluster, name);
}

}  // namespace

std::string ServiceService::Key(const std::string& cluster, const std::string& name) {
  return cluster + "/" + name;
}

std::string ServiceService::NewDeploymentId() const {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string digits;
  std::uniform_int_distribution<int> d(0, 9);
  for (int i = 0; i < 19; ++i) digits.push_back(static_cast<char>('0' + d(rng)));
  if (digits[0] == '0') digits[0] = '1';
  return model::DeploymentId(digits);
}

model::Deployment ServiceService::NewDeployment(const std::string& task_definition_arn,
                                                int desired) const {
  model::Deployment d;
  d.id = NewDeploymentId();
  d.status = model::deployment_status::kPrimary;
  d.task_definition = task_definition_arn;
  d.desired_count = desired;
  d.rollout_state = model::rollout_state::kInProgress;
  d.rollout_state_reason = "ECS deployment " + d.id + " in progress.";
  d.created_at_ms = d.updated_at_ms = clock_.NowMs();
  return d;
}

Result<StoredService> ServiceService::Load(const std::string& name_or_arn) {
  GANTRY_ASSIGN_OR_RETURN(auto ref, ParseServiceRef(name_or_arn));
  GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(ref.first, ref.second)));
  if (!obj) return MakeError(ErrorCode::kNotFound, "Service not found: {}", ref.second);
  GANTRY_ASSIGN_OR_RETURN(Service s, model::ServiceFromStoreJson(obj->value));
  return StoredService{std::move(s), obj->revision};
}

Result<Service> ServiceService::Create(const json::object& body, const std::string& region) {
  GANTRY_ASSIGN_OR_RETURN(model::CreateServiceRequest req, model::ParseCreateServiceRequest(body));
  const model::Account acct = taskdefs_.AccountFor(region);
  GANTRY_TRY(clusters_.RequireActive(acct.region, req.cluster));
  GANTRY_ASSIGN_OR_RETURN(model::TaskDefinition td,
                          taskdefs_.Describe(req.task_definition, acct.region));
  if (td.status != "ACTIVE")
    return MakeError(ErrorCode::kInvalidArgument, "TaskDefinition is inactive: {}", td.arn);
  Service s;
  s.name = req.name;
  s.cluster = req.cluster;
  s.arn = model::ServiceArn(acct, s.cluster, s.name);
  s.cluster_arn = model::ClusterArn(acct, s.cluster);
  s.task_definition = td.arn;
  s.desired_count = req.desired_count;
  s.launch_type = req.launch_type;
  s.network_configuration = std::move(req.network_configuration);
  s.deployment_configuration = req.deployment_configuration;
  s.health_check_grace_period_s = req.health_check_grace_period_s;
  s.tags = std::move(req.tags);
  s.created_at_ms = clock_.NowMs();
  s.deployments.push_back(NewDeployment(td.arn, s.desired_count));

  GANTRY_ASSIGN_OR_RETURN(auto existing, store_.Get(kKind, Key(s.cluster, s.name)));
  int64_t expected = store::kMustNotExist;
  if (existing) {
    GANTRY_ASSIGN_OR_RETURN(Service old, model::ServiceFromStoreJson(existing->value));
    if (old.status != model::service_status::kInactive)
      return MakeError(ErrorCode::kInvalidArgument, "Creation of service was not idempotent.");
    expected = existing->revision;  // an INACTIVE service of that name is replaced
    s.generation = old.generation + 1;
  }
  auto r = store_.Put(kKind, Key(s.cluster, s.name), model::ToStoreJson(s), expected);
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kAlreadyExists || r.error().code == ErrorCode::kConflict)
      return MakeError(ErrorCode::kInvalidArgument, "Creation of service was not idempotent.");
    return std::move(r).error();
  }
  return s;
}

Result<Service> ServiceService::Describe(const std::string& name_or_arn) {
  GANTRY_ASSIGN_OR_RETURN(StoredService st, Load(name_or_arn));
  return std::move(st.service);
}

Result<std::vector<Service>> ServiceService::List(const std::string& cluster) {
  GANTRY_ASSIGN_OR_RETURN(auto all, ListStored());
  std::vector<Service> out;
  for (auto& st : all) {
    if (!cluster.empty() && st.service.cluster != cluster) continue;
    if (st.service.status == model::service_status::kInactive) continue;
    out.push_back(std::move(st.service));
  }
  return out;
}

Result<std::vector<StoredService>> ServiceService::ListStored() {
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind));
  std::vector<StoredService> out;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(Service s, model::ServiceFromStoreJson(o.value));
    out.push_back({std::move(s), o.revision});
  }
  return out;
}

Result<Service> ServiceService::Update(const std::string& name_or_arn, const json::object& body) {
  GANTRY_ASSIGN_OR_RETURN(model::UpdateServiceRequest req, model::ParseUpdateServiceRequest(body));
  std::optional<model::TaskDefinition> td;
  if (req.task_definition) {
    GANTRY_ASSIGN_OR_RETURN(auto found, taskdefs_.Describe(*req.task_definition));
    if (found.status != "ACTIVE")
      return MakeError(ErrorCode::kInvalidArgument, "TaskDefinition is inactive: {}", found.arn);
    td = std::move(found);
  }
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(StoredService st, Load(name_or_arn));
    Service& s = st.service;
    if (s.status != model::service_status::kActive)
      return MakeError(ErrorCode::kFailedPrecondition, "Service was not ACTIVE: {} is {}", s.name,
                       s.status);
    if (req.deployment_configuration) {
      GANTRY_ASSIGN_OR_RETURN(s.deployment_configuration,
                              model::ParseDeploymentConfiguration(*req.deployment_configuration,
                                                                  s.deployment_configuration));
    }
    if (req.health_check_grace_period_s)
      s.health_check_grace_period_s = *req.health_check_grace_period_s;
    if (req.network_configuration) s.network_configuration = *req.network_configuration;
    if (req.desired_count) s.desired_count = *req.desired_count;
    bool new_definition = td && td->arn != s.task_definition;
    if (new_definition || req.force_new_deployment) {
      std::string arn = td ? td->arn : s.task_definition;
      for (auto& d : s.deployments) {
        if (d.status == model::deployment_status::kPrimary) {
          d.status = model::deployment_status::kActive;
          d.updated_at_ms = clock_.NowMs();
        }
      }
      s.deployments.insert(s.deployments.begin(), NewDeployment(arn, s.desired_count));
      s.task_definition = arn;
      // A new deployment starts with a clean launch record (no inherited backoff).
      s.scheduler.consecutive_failures = 0;
      s.scheduler.next_launch_at_ms = 0;
    }
    if (auto* p = s.Primary()) p->desired_count = s.desired_count;
    s.scheduler.steady = false;
    s.generation++;
    auto r = store_.Put(kKind, Key(s.cluster, s.name), model::ToStoreJson(s), st.revision);
    if (r.ok()) return s;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "service {} is being updated concurrently",
                   name_or_arn);
}

Result<Service> ServiceService::Delete(const std::string& name_or_arn, bool force) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(StoredService st, Load(name_or_arn));
    Service& s = st.service;
    if (s.status == model::service_status::kDraining) return s;
    if (s.status == model::service_status::kInactive)
      return MakeError(ErrorCode::kFailedPrecondition, "Service was not ACTIVE: {} is INACTIVE",
                       s.name);
    if (!force && s.desired_count > 0)
      return MakeError(ErrorCode::kInvalidArgument,
                       "The service cannot be stopped while it is scaled above 0.");
    s.desired_count = 0;
    s.status = model::service_status::kDraining;
    if (auto* p = s.Primary()) p->desired_count = 0;
    s.scheduler.steady = false;
    s.generation++;
    auto r = store_.Put(kKind, Key(s.cluster, s.name), model::ToStoreJson(s), st.revision);
    if (r.ok()) return s;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "service {} is being updated concurrently",
                   name_or_arn);
}

Result<int64_t> ServiceService::WriteDecision(const Service& s, int64_t expected_revision) {
  return store_.Put(kKind, Key(s.cluster, s.name), model::ToStoreJson(s), expected_revision);
}

Result<Service> ServiceService::Mutate(const std::string& cluster, const std::string& name,
                                       const std::function<void(Service&)>& fn) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(cluster, name)));
    if (!obj) return MakeError(ErrorCode::kNotFound, "Service not found: {}", name);
    GANTRY_ASSIGN_OR_RETURN(Service s, model::ServiceFromStoreJson(obj->value));
    fn(s);
    auto r = store_.Put(kKind, obj->key, model::ToStoreJson(s), obj->revision);
    if (r.ok()) return s;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "service {} is being updated concurrently", name);
}

Result<std::vector<model::Task>> ServiceService::StartTasks(const Service& s,
                                                            const model::Deployment& d,
                                                            int count) {
  std::vector<model::Task> out;
  while (count > 0) {
    RunTaskRequest req;
    req.task_definition = d.task_definition;
    req.cluster = s.cluster;
    req.count = std::min(count, 10);
    req.started_by = d.id;
    req.group = model::ServiceGroup(s.name);
    req.allow_inactive_definition = true;
    GANTRY_ASSIGN_OR_RETURN(auto tasks, tasks_.Run(req));
    count -= req.count;
    for (auto& t : tasks) out.push_back(std::move(t));
  }
  return out;
}

Result<model::Task> ServiceService::DrainTask(const std::string& task_id) {
  return tasks_.MarkDraining(task_id);
}

Result<model::Task> ServiceService::StopTask(const std::string& task_id,
                                             const std::string& reason) {
  return tasks_.Stop(task_id, reason, model::stop_code::kServiceSchedulerInitiated);
}

}  // namespace gantry::services
