// Pure parts of `gantry service ...`, `gantry deploy` and `gantry events`: arguments -> request
// bodies (CreateService, UpdateService, the service's own task definition), deploy's
// task-definition rewrite, and read-only views of a service (table rows, rollout progress, the
// outcome of a deployment, event lines). No I/O; the commands live in service_commands.cc and
// deploy_command.cc.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/run_spec.h"
#include "common/result.h"

namespace gantry::cli {

// --min-healthy-percent, --max-percent, --circuit-breaker[=VALUE]; unset fields are left out of
// the body (the server keeps or defaults them).
struct DeploymentConfigArgs {
  std::optional<int> min_healthy_percent;
  std::optional<int> max_percent;
  // "enable" (the bare flag) or "on": breaker without rollback; "rollback": with rollback;
  // "off": disabled.
  std::optional<std::string> circuit_breaker;
};

// The deploymentConfiguration object, or nullopt when no field was given. A bad
// --circuit-breaker value is kInvalidArgument.
Result<std::optional<boost::json::object>> DeploymentConfigurationBody(
    const DeploymentConfigArgs& args);

// Service names are ECS names: 1-255 of [A-Za-z0-9_-].
bool IsValidServiceName(std::string_view name);

struct ServiceCreateArgs {
  std::string name;
  std::string task_definition;  // --task-definition FAMILY[:REV]; empty with --image
  RunSpec spec;                 // --image, -e, --cpu, --memory, CMD (spec.image empty otherwise)
  int desired_count = 1;
  DeploymentConfigArgs deployment;
  std::optional<int> health_check_grace_period_s;
};

// With --image the service runs its own family, named after the service: this is the
// registration body (one essential container "main" with the command, environment, cpu and
// memory baked in, since services have no per-task overrides).
boost::json::value ServiceTaskDefinitionBody(std::string_view family, const RunSpec& spec);
// True when `task_definition` (the family's latest revision) is exactly what
// ServiceTaskDefinitionBody(spec) would register, so it is reused.
bool ServiceTaskDefinitionFits(const boost::json::object& task_definition, const RunSpec& spec);

// POST /v1/services body; `task_definition` is the resolved "family:rev".
Result<boost::json::value> CreateServiceBody(const ServiceCreateArgs& args,
                                             std::string_view task_definition);

struct ServiceUpdateArgs {
  std::string name;
  std::string task_definition;
  bool force_new_deployment = false;
  std::optional<int> desired_count;
  DeploymentConfigArgs deployment;
  std::optional<int> health_check_grace_period_s;
};

// UpdateService body; kInvalidArgument when it would change nothing.
Result<boost::json::value> UpdateServiceBody(const ServiceUpdateArgs& args);

// deploy: the registration body for a new revision of `task_definition` (as GET returns it) with
// the image of `container` (or of the first container when empty) replaced. Read-only fields
// (ARN, revision, status, timestamps, compatibilities) are dropped.
Result<boost::json::object> RewriteTaskDefinitionImage(const boost::json::object& task_definition,
                                                       std::string_view image,
                                                       std::string_view container);

// "/v1/services/<name>" (name percent-encoded).
std::string ServicePath(std::string_view name);
// The "service" object of a reply, else kInternal.
Result<boost::json::object> ServiceFromReply(const boost::json::value& reply);

// ---- views of a service (lenient: missing fields read as empty/0)

const boost::json::object* FindDeployment(const boost::json::object& service, std::string_view id);
const boost::json::object* PrimaryDeployment(const boost::json::object& service);

std::vector<std::string> ServiceLsHeaders();
std::vector<std::string> ServiceLsRow(const boost::json::object& service);

// One line on a deployment's progress:
// "ecs-svc/123 IN_PROGRESS  new web:4 2/3 running, 1 pending  old 1 running".
// "new" is the deployment `id`, "old" every other PRIMARY/ACTIVE deployment.
std::string RenderRolloutProgress(const boost::json::object& service, std::string_view id);

enum class DeployPhase {
  kInProgress,   // the deployment is PRIMARY and IN_PROGRESS
  kCompleted,    // COMPLETED
  kRollingBack,  // FAILED, and the circuit breaker made an earlier deployment PRIMARY again
  kRolledBack,   // ... which has COMPLETED
  kFailed,       // FAILED without (a successful) rollback
  kSuperseded,   // another deployment took over before this one finished
  kGone,         // the service is being deleted or the deployment is no longer listed
};

struct DeployStatus {
  DeployPhase phase = DeployPhase::kInProgress;
  std::string message;           // for every phase but kInProgress
  std::string rollback_id;       // kRollingBack/kRolledBack: the PRIMARY deployment
  std::string rollback_revision; // kRollingBack/kRolledBack: its "family:rev"
};
DeployStatus EvaluateDeploy(const boost::json::object& service, std::string_view id);

// ---- events

// "2025-11-28 13:00:12" in the local time zone, from API epoch seconds.
std::string FormatLocalTime(double epoch_seconds);
// "<local time>  <message>" (no newline).
std::string FormatEventLine(const boost::json::object& event);
// The events of `newest_first` (as the API lists them) whose id is not in `seen`, oldest first;
// afterwards `seen` holds exactly the ids of `newest_first` (bounded by the API's 100 events).
std::vector<boost::json::object> TakeNewEvents(const boost::json::array& newest_first,
                                               std::set<std::string>& seen);

}  // namespace gantry::cli
