// `gantry run`: find or register the image's "run-<image>" task definition, start one task, and
// with --wait follow it to the end and exit with its container's exit code.
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "cli/api_objects.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/log_stream.h"
#include "cli/spinner.h"
#include "cli/task_ref.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

// Exit status when the task never ran a container (docker uses 125 for its own failures).
constexpr int kExitFailedToStart = 125;
// Long-poll per logs request while waiting; short so the status line stays current.
constexpr int kWaitPollSeconds = 2;
// After the task is STOPPED, how many empty log pages to accept before giving up on "complete".
constexpr int kMaxEmptyPagesAfterStop = 3;
constexpr auto kMinPollInterval = std::chrono::milliseconds(250);

// "family:rev" of a task definition that runs spec.image, registering one if needed.
Result<std::string> FindOrRegisterRunTaskDefinition(ApiClient& api, const RunSpec& spec) {
  return FindOrRegisterTaskDefinition(
      api, RunFamilyFor(spec.image),
      [&spec](const json::object& td) { return TaskDefinitionFits(td, spec); },
      RegisterTaskDefinitionBody(spec));
}

Result<json::object> GetTask(ApiClient& api, const std::string& id) {
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get("/v1/tasks/" + PercentEncode(id)));
  if (reply.is_object())
    if (const auto* t = reply.as_object().if_contains("task"); t && t->is_object())
      return t->as_object();
  return MakeError(ErrorCode::kInternal, "unexpected reply for task {}: no \"task\" object", id);
}

// Follows the task until it is STOPPED and its logs are drained; returns the final task.
Result<json::object> FollowTask(ApiClient& api, const std::string& id, Spinner& spinner) {
  LogPrinter printer(
      false, [&spinner](std::FILE* out, std::string_view text) { spinner.Write(out, text); });
  LogQuery query{.task_id = id};
  int empty_after_stop = 0;
  for (;;) {
    GANTRY_ASSIGN_OR_RETURN(json::object task, GetTask(api, id));
    std::string status = StringField(task, "lastStatus");
    spinner.SetStatus(fmt::format("{} {}", id.substr(0, 12), status));
    bool stopped = status == "STOPPED";

    query.wait_seconds = stopped ? 0 : kWaitPollSeconds;
    auto started = std::chrono::steady_clock::now();
    auto page = FetchLogPage(api, query);
    if (!page.ok()) {
      // Before the task has containers the server may have no logs to serve yet.
      if (stopped) return task;
      std::this_thread::sleep_for(kMinPollInterval);
      continue;
    }
    printer.Print(page->events);
    if (!page->next_token.empty()) query.next_token = page->next_token;
    if (page->complete) return stopped ? task : GetTask(api, id);
    if (stopped && page->events.empty() && ++empty_after_stop >= kMaxEmptyPagesAfterStop)
      return task;
    // A server that answers at once (nothing to wait for) must not be polled in a busy loop.
    if (page->events.empty() && std::chrono::steady_clock::now() - started < kMinPollInterval)
      std::this_thread::sleep_for(kMinPollInterval);
  }
}

int ExitCodeFor(const json::object& task, const RunSpec& spec) {
  std::string id = TaskIdFromArn(StringField(task, "taskArn"));
  if (StringField(task, "stopCode") == "TaskFailedToStart") {
    PrintError(fmt::format("task {} failed to start: {}", id.substr(0, 12),
                           StringField(task, "stoppedReason")));
    return kExitFailedToStart;
  }
  auto code = ContainerExitCode(task, spec.container_name);
  if (!code) {
    std::string reason = ContainerReason(task, spec.container_name);
    if (reason.empty()) reason = StringField(task, "stoppedReason");
    PrintError(fmt::format("task {} stopped without an exit code: {}", id.substr(0, 12),
                           reason.empty() ? "no reason given" : reason));
    return kExitFailedToStart;
  }
  if (*code != 0) {
    std::string reason = ContainerReason(task, spec.container_name);
    if (!reason.empty())
      PrintError(
          fmt::format("container {} exited with {}: {}", spec.container_name, *code, reason));
  }
  return *code < 0 || *code > 255 ? 1 : *code;
}

}  // namespace

Result<int> RunCommand(CliContext& ctx, RunOptions options) {
  RunSpec& spec = options.spec;
  if (spec.image.empty()) return MakeError(ErrorCode::kInvalidArgument, "an IMAGE is required");
  if (spec.container_name.empty()) spec.container_name = "main";
  // `gantry run IMAGE -- CMD`: CLI11 hands the "--" through once positionals have started.
  if (!spec.command.empty() && spec.command.front() == "--")
    spec.command.erase(spec.command.begin());
  for (const auto& raw : options.env_args) {
    GANTRY_ASSIGN_OR_RETURN(auto kv, ParseEnvAssignment(raw, [](const std::string& key) {
                              const char* v = std::getenv(key.c_str());
                              return v ? std::optional<std::string>(v) : std::nullopt;
                            }));
    if (kv) spec.environment.push_back(std::move(*kv));
  }

  GANTRY_ASSIGN_OR_RETURN(std::string task_definition, FindOrRegisterRunTaskDefinition(ctx.api, spec));
  GANTRY_ASSIGN_OR_RETURN(json::value reply,
                          ctx.api.Post("/v1/tasks", RunTaskBody(spec, task_definition)));
  const json::object* reply_obj = reply.if_object();
  const json::array* failures = reply_obj ? ArrayField(*reply_obj, "failures") : nullptr;
  if (failures && !failures->empty() && (*failures)[0].is_object()) {
    const auto& f = (*failures)[0].as_object();
    return MakeError(ErrorCode::kFailedPrecondition, "cannot run {}: {}", task_definition,
                     StringField(f, "reason"));
  }
  const json::array* tasks = reply_obj ? ArrayField(*reply_obj, "tasks") : nullptr;
  if (tasks == nullptr || tasks->empty() || !(*tasks)[0].is_object())
    return MakeError(ErrorCode::kInternal, "server started no task for {}", task_definition);
  std::string id = TaskIdFromArn(StringField((*tasks)[0].as_object(), "taskArn"));

  if (!options.wait) {
    if (ctx.output == OutputFormat::kJson) {
      PrintJson(reply);
    } else {
      fmt::print("{}\n", id);
    }
    return 0;
  }

  SetInterruptNote(fmt::format(
      "gantry: task {} keeps running (`gantry logs -f {}` to follow, `gantry stop {}` to stop)",
      id.substr(0, 12), id.substr(0, 12), id.substr(0, 12)));
  Spinner spinner(::isatty(STDERR_FILENO) == 1);
  GANTRY_ASSIGN_OR_RETURN(json::object task, FollowTask(ctx.api, id, spinner));
  spinner.Stop();
  SetInterruptNote("");
  if (ctx.output == OutputFormat::kJson) PrintJson(json::object{{"task", task}});
  return ExitCodeFor(task, spec);
}

}  // namespace gantry::cli
