// Router: maps (method, path pattern) to handlers. Patterns are "/v1/tasks/{id}/stop"; a
// trailing "{rest...}" captures the remainder (slashes included).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "common/result.h"

namespace gantry::api {

using Params = std::map<std::string, std::string>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const Params&)>;

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, RouteHandler h);
  // 404 when no pattern matches the path, 405 when the path matches but not the method.
  HttpResponse Dispatch(const HttpRequest& req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool Match(const Route& r, const std::vector<std::string>& segs, Params& params);
  std::vector<Route> routes_;
};

// Native error body {"error":{"code","message"}} with the HTTP status for the code.
HttpResponse ErrorResponse(const Error& e);
HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message);
HttpResponse JsonResponse(int status, const std::string& body);

}  // namespace gantry::api
