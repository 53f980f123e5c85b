// HttpServer: the one HTTP front door (Boost.Beast, C++20 coroutines). Accepts connections on an
// io_context, parses requests (body limit), and runs the handler on a separate worker pool so a
// slow or long-polling handler never blocks the network threads.
#pragma once

#include <memory>
#include <string>

#include "api/http_types.h"
#include "common/result.h"

namespace gantry::api {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:7480";  // host:port; port 0 picks a free port
  int io_threads = 2;
  int worker_threads = 32;
  size_t body_limit = 64 * 1024 * 1024;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // Bound address after Start ("127.0.0.1:45123").
  virtual std::string Address() const = 0;
  // Stops accepting, closes connections, joins threads.
  virtual void Stop() = 0;
};

Result<std::unique_ptr<HttpServer>> StartHttpServer(const HttpServerOptions& opts, Handler handler);

}  // namespace gantry::api
