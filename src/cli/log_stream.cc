#include "cli/log_stream.h"

#include <boost/json/object.hpp>
#include <chrono>

#include "cli/api_client.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

std::string LogPageTarget(const LogQuery& q) {
  std::string target = "/v1/tasks/" + PercentEncode(q.task_id) + "/logs";
  char sep = '?';
  auto add = [&](std::string_view key, std::string_view value) {
    target += sep;
    target += key;
    target += '=';
    target += PercentEncode(value);
    sep = '&';
  };
  if (!q.container.empty()) add("container", q.container);
  if (q.next_token.empty() && q.start_ms) add("startTime", std::to_string(*q.start_ms));
  if (!q.next_token.empty()) add("nextToken", q.next_token);
  if (q.wait_seconds > 0) add("wait", std::to_string(q.wait_seconds));
  return target;
}

Result<LogPage> FetchLogPage(ApiClient& api, const LogQuery& query) {
  // The long-poll holds the reply for up to wait_seconds; allow for that on top of the usual.
  auto timeout = HttpClient::kDefaultTimeout + std::chrono::seconds(query.wait_seconds);
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get(LogPageTarget(query), timeout));
  LogPage page;
  if (!reply.is_object())
    return MakeError(ErrorCode::kInternal, "unexpected reply to logs request: not an object");
  const auto& o = reply.as_object();
  if (const json::array* events = ArrayField(o, "events")) page.events = *events;
  page.next_token = StringField(o, "nextToken");
  if (const auto* c = o.if_contains("complete"); c && c->is_bool()) page.complete = c->as_bool();
  return page;
}

LogPrinter::LogPrinter(bool prefix_container, Sink sink)
    : prefix_container_(prefix_container), sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](std::FILE* out, std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), out);
      std::fflush(out);
    };
  }
}

void LogPrinter::Print(const json::array& events) {
  // Consecutive lines of one stream are written together; a change of stream flushes, so the
  // order between stdout and stderr lines is kept on a terminal.
  std::string text;
  std::FILE* current = stdout;
  for (const auto& e : events) {
    if (!e.is_object()) continue;
    const auto& ev = e.as_object();
    std::FILE* out = StringField(ev, "stream") == "stderr" ? stderr : stdout;
    if (out != current && !text.empty()) {
      sink_(current, text);
      text.clear();
    }
    current = out;
    if (prefix_container_) {
      text += StringField(ev, "container");
      text += " | ";
    }
    std::string message = StringField(ev, "message");
    text += message;
    if (message.empty() || message.back() != '\n') text += '\n';
  }
  if (!text.empty()) sink_(current, text);
}

}  // namespace gantry::cli
