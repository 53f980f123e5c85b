// `gantry deploy SERVICE --image IMAGE`: register a new revision of the service's task definition
// with one container's image replaced, point the service at it, and follow the rolling
// deployment until it completes (exit 0) or fails / is rolled back (exit 1).
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "cli/api_objects.h"
#include "cli/commands.h"
#include "cli/duration.h"
#include "cli/interrupt.h"
#include "cli/service_spec.h"
#include "cli/spinner.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

constexpr const char* kDefaultWaitTimeout = "10m";
constexpr auto kPollInterval = std::chrono::milliseconds(500);

std::set<std::string> EventIds(const json::object& service) {
  std::set<std::string> seen;
  if (const json::array* events = ArrayField(service, "events")) TakeNewEvents(*events, seen);
  return seen;
}

}  // namespace

Result<int> DeployCommand(CliContext& ctx, const DeployOptions& options) {
  if (options.image.empty()) return MakeError(ErrorCode::kInvalidArgument, "--image is required");
  std::string timeout_text =
      options.wait_timeout.empty() ? kDefaultWaitTimeout : options.wait_timeout;
  auto timeout = ParseDuration(timeout_text);
  if (!timeout.ok())
    return MakeError(ErrorCode::kInvalidArgument, "invalid --wait-timeout: {}",
                     timeout.error().message);
  const bool text = ctx.output == OutputFormat::kTable;

  // 1. A new revision of the service's current definition with the image replaced.
  GANTRY_ASSIGN_OR_RETURN(json::object service, GetService(ctx.api, options.service));
  std::string name = StringField(service, "serviceName");
  if (std::string status = StringField(service, "status"); status != "ACTIVE")
    return MakeError(ErrorCode::kFailedPrecondition,
                     "service {} is {}: only ACTIVE services can be deployed", name, status);
  std::string current = FamilyRevision(StringField(service, "taskDefinition"));
  GANTRY_ASSIGN_OR_RETURN(json::value td_reply,
                          ctx.api.Get("/v1/task-definitions/" + EncodePathSegment(current)));
  GANTRY_ASSIGN_OR_RETURN(json::object td, TaskDefinitionFromReply(td_reply));
  GANTRY_ASSIGN_OR_RETURN(json::object body,
                          RewriteTaskDefinitionImage(td, options.image, options.container));
  GANTRY_ASSIGN_OR_RETURN(json::value reg_reply, ctx.api.Post("/v1/task-definitions", body));
  GANTRY_ASSIGN_OR_RETURN(json::object registered, TaskDefinitionFromReply(reg_reply));
  std::string next = RevisionRef(registered);

  // 2. Point the service at it: a new PRIMARY deployment.
  std::set<std::string> seen = EventIds(service);
  GANTRY_ASSIGN_OR_RETURN(json::value update_reply,
                          ctx.api.Post(ServicePath(name), json::object{{"taskDefinition", next}}));
  GANTRY_ASSIGN_OR_RETURN(service, ServiceFromReply(update_reply));
  const json::object* primary = PrimaryDeployment(service);
  if (primary == nullptr)
    return MakeError(ErrorCode::kInternal, "service {} has no PRIMARY deployment after the update",
                     name);
  const std::string deployment = StringField(*primary, "id");
  if (text) {
    fmt::print("registered {} from {} with image {}\n", next, current, options.image);
    fmt::print("deployment {} started\n", deployment);
    std::fflush(stdout);
  }

  // 3. Follow the rollout.
  SetInterruptNote(fmt::format(
      "gantry: deployment {} continues on the server (`gantry events -f {}` to follow)",
      deployment, name));
  Spinner spinner(::isatty(STDERR_FILENO) == 1);
  auto print_events = [&](const json::object& s) {
    const json::array* events = ArrayField(s, "events");
    if (events == nullptr) return;
    for (const auto& e : TakeNewEvents(*events, seen))
      if (text) spinner.Write(stdout, FormatEventLine(e) + "\n");
  };
  auto deadline = std::chrono::steady_clock::now() + *timeout;
  bool announced_rollback = false;
  DeployStatus st;
  for (;;) {
    print_events(service);
    st = EvaluateDeploy(service, deployment);
    if (st.phase == DeployPhase::kInProgress) {
      spinner.SetStatus(RenderRolloutProgress(service, deployment));
    } else if (st.phase == DeployPhase::kRollingBack) {
      if (!announced_rollback && text) spinner.Write(stdout, st.message + "\n");
      announced_rollback = true;
      spinner.SetStatus("rolling back: " + RenderRolloutProgress(service, st.rollback_id));
    } else {
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
    GANTRY_ASSIGN_OR_RETURN(service, GetService(ctx.api, name));
  }
  spinner.Stop();
  SetInterruptNote("");
  if (ctx.output == OutputFormat::kJson) PrintJson(json::object{{"service", service}});

  switch (st.phase) {
    case DeployPhase::kCompleted:
      if (text) fmt::print("{}\n", st.message);
      return 0;
    case DeployPhase::kInProgress:
      return MakeError(ErrorCode::kUnavailable,
                       "deployment {} did not finish within {} ({}); it continues on the server",
                       deployment, timeout_text, RenderRolloutProgress(service, deployment));
    case DeployPhase::kRollingBack:
      return MakeError(ErrorCode::kFailedPrecondition,
                       "{} (the rollback did not finish within {})", st.message, timeout_text);
    default:
      return MakeError(ErrorCode::kFailedPrecondition, "{}", st.message);
  }
}

}  // namespace gantry::cli
