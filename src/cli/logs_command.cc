// `gantry logs [-f]`: print a task's log lines; -f follows with the API's long-poll until the task
// is STOPPED and every line was returned.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>

#include "cli/commands.h"
#include "cli/duration.h"
#include "cli/log_stream.h"
#include "cli/task_ref.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

constexpr int kFollowWaitSeconds = 20;  // the API's maximum long-poll
// A server that never says "complete" for a stopped task must not keep -f alive forever.
constexpr int kMaxEmptyPagesAfterStop = 2;

size_t ContainerCount(const json::object& task) {
  const json::array* containers = ArrayField(task, "containers");
  return containers ? containers->size() : 0;
}

}  // namespace

Result<int> LogsCommand(CliContext& ctx, const LogsOptions& options) {
  LogQuery query;
  if (!options.since.empty()) {
    GANTRY_ASSIGN_OR_RETURN(auto since, ParseDuration(options.since));
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    query.start_ms = now - since.count();
  }
  GANTRY_ASSIGN_OR_RETURN(json::object task, ResolveTask(ctx.api, options.task));
  query.task_id = TaskIdFromArn(StringField(task, "taskArn"));
  query.container = options.container;
  query.wait_seconds = options.follow ? kFollowWaitSeconds : 0;

  LogPrinter printer(options.container.empty() && ContainerCount(task) > 1);
  int empty_after_stop = 0;
  for (;;) {
    GANTRY_ASSIGN_OR_RETURN(LogPage page, FetchLogPage(ctx.api, query));
    printer.Print(page.events);
    bool advanced = !page.next_token.empty() && page.next_token != query.next_token;
    if (!page.next_token.empty()) query.next_token = page.next_token;
    if (page.complete) break;
    if (!options.follow) {
      if (page.events.empty() || !advanced) break;
      continue;
    }
    if (page.events.empty()) {
      GANTRY_ASSIGN_OR_RETURN(json::value reply,
                              ctx.api.Get("/v1/tasks/" + PercentEncode(query.task_id)));
      const json::object* t = nullptr;
      if (const json::object* o = reply.if_object())
        if (const auto* v = o->if_contains("task")) t = v->if_object();
      bool stopped = t && StringField(*t, "lastStatus") == "STOPPED";
      if (stopped && ++empty_after_stop >= kMaxEmptyPagesAfterStop) break;
      if (!stopped) empty_after_stop = 0;
    }
  }
  return 0;
}

}  // namespace gantry::cli
