// `gantry stop` and `gantry inspect`: commands on existing tasks named by id, prefix or ARN.
#include <boost/json/object.hpp>

#include "cli/commands.h"
#include "cli/task_ref.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

Result<int> StopCommand(CliContext& ctx, const StopOptions& options) {
  int exit_code = 0;
  json::array stopped;
  for (const auto& ref : options.tasks) {
    auto task = ResolveTask(ctx.api, ref);
    if (!task.ok()) {
      PrintError(task.error().message);
      exit_code = 1;
      continue;
    }
    std::string id = TaskIdFromArn(StringField(*task, "taskArn"));
    json::object body;
    if (!options.reason.empty()) body["reason"] = options.reason;
    auto reply = ctx.api.Post("/v1/tasks/" + PercentEncode(id) + "/stop", body);
    if (!reply.ok()) {
      PrintError(reply.error().message);
      exit_code = 1;
      continue;
    }
    if (ctx.output == OutputFormat::kJson) {
      if (const json::object* o = reply->if_object())
        if (const auto* t = o->if_contains("task")) stopped.push_back(*t);
    } else {
      fmt::print("{}\n", id);
      std::fflush(stdout);
    }
  }
  if (ctx.output == OutputFormat::kJson) PrintJson(json::object{{"tasks", std::move(stopped)}});
  return exit_code;
}

Result<int> InspectCommand(CliContext& ctx, const std::string& ref) {
  GANTRY_ASSIGN_OR_RETURN(json::object task, ResolveTask(ctx.api, ref));
  PrintJson(task);
  return 0;
}

}  // namespace gantry::cli
