// HttpClient: a small synchronous HTTP/1.1 client over TCP that keeps one connection alive.
// Beast stays inside http_client.cc; this header is cheap to include.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::cli {

struct Response {
  int status = 0;
  std::string body;
};

// The parts of an endpoint URL the client needs: "http://host:port[/prefix]".
struct Endpoint {
  std::string host;
  std::string port;
  std::string base_path;  // "" or "/prefix" without a trailing slash
  std::string display;    // as shown in error messages, e.g. "http://127.0.0.1:7480"
};

// Accepts "http://host[:port][/prefix]" and, for convenience, "host:port".
Result<Endpoint> ParseEndpoint(std::string_view url);

class HttpClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  explicit HttpClient(Endpoint endpoint);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (target is a path with query, relative to the endpoint's base path) and
  // reads the whole reply. Any HTTP status is a value; only transport failures are errors.
  // `timeout` bounds each phase (connect, write, read) separately.
  Result<Response> Request(std::string_view method, std::string_view target,
                           std::string_view body = {},
                           std::chrono::milliseconds timeout = kDefaultTimeout);

  const Endpoint& endpoint() const;
  // Number of TCP connections opened so far (keep-alive makes this 1 in the common case).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::cli
