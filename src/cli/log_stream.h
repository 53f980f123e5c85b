// Reading a task's logs from GET /v1/tasks/{id}/logs (pages, long-poll) and printing the events:
// stdout lines to stdout and stderr lines to stderr, as `docker logs` does.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::cli {

class ApiClient;

struct LogQuery {
  std::string task_id;
  std::string container;            // empty: all containers
  std::optional<int64_t> start_ms;  // only sent on the first page (no token yet)
  std::string next_token;
  int wait_seconds = 0;  // long-poll; the API allows up to 20
};

struct LogPage {
  boost::json::array events;
  std::string next_token;
  bool complete = false;
};

Result<LogPage> FetchLogPage(ApiClient& api, const LogQuery& query);

// Pure: the request target for `query`.
std::string LogPageTarget(const LogQuery& query);

// Renders events; `prefix_container` prepends "name | " (for multi-container tasks).
class LogPrinter {
 public:
  using Sink = std::function<void(std::FILE*, std::string_view)>;
  explicit LogPrinter(bool prefix_container, Sink sink = {});

  void Print(const boost::json::array& events);

 private:
  bool prefix_container_;
  Sink sink_;
};

}  // namespace gantry::cli
