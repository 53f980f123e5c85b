// `gantry ps`: the task table (running tasks, or with -a also recently stopped ones).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>

#include "cli/commands.h"
#include "cli/table.h"
#include "cli/task_ref.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<int> PsCommand(CliContext& ctx, const PsOptions& options) {
  std::vector<json::object> tasks;
  if (options.all) {
    GANTRY_ASSIGN_OR_RETURN(tasks, ListAllTasks(ctx.api, options.family));
  } else {
    std::string target = "/v1/tasks?desiredStatus=RUNNING";
    if (!options.family.empty()) target += "&family=" + PercentEncode(options.family);
    GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Get(target));
    if (const json::object* o = reply.if_object())
      if (const json::array* list = ArrayField(*o, "tasks"))
        for (const auto& t : *list)
          if (t.is_object()) tasks.push_back(t.as_object());
  }

  if (ctx.output == OutputFormat::kJson) {
    json::array list;
    for (auto& t : tasks) list.push_back(std::move(t));
    PrintJson(json::object{{"tasks", std::move(list)}});
    return 0;
  }
  Table table(PsHeaders());
  int64_t now = NowMs();
  for (const auto& t : tasks) table.AddRow(PsRow(t, now));
  fmt::print("{}", table.Render());
  return 0;
}

}  // namespace gantry::cli
