// ApiClient: the gantry REST API (docs/api.md) as JSON calls; maps error replies to Error values
// carrying the server's own error.message.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "cli/http_client.h"
#include "common/result.h"

namespace gantry::cli {

class ApiClient {
 public:
  explicit ApiClient(HttpClient http) : http_(std::move(http)) {}

  Result<boost::json::value> Get(std::string_view target,
                                 std::chrono::milliseconds timeout = HttpClient::kDefaultTimeout);
  Result<boost::json::value> Post(std::string_view target, const boost::json::value& body);
  Result<boost::json::value> Delete(std::string_view target);

  const Endpoint& endpoint() const { return http_.endpoint(); }

 private:
  Result<boost::json::value> Call(std::string_view method, std::string_view target,
                                  std::string_view body, std::chrono::milliseconds timeout);
  HttpClient http_;
};

// Turns a non-2xx reply into an Error: the API's {"error":{"code","message"}} when present,
// else "HTTP <status>" with the start of the body.
Error ErrorFromReply(int status, std::string_view body);

// Percent-encodes everything outside RFC 3986 "unreserved", for one path segment or query value.
std::string PercentEncode(std::string_view s);
// For one path segment: like PercentEncode but keeps ':' and '@' ("web:3", "busybox:latest").
std::string EncodePathSegment(std::string_view s);

}  // namespace gantry::cli
