#include "api/router.h"

#include <boost/json.hpp>

namespace gantry::api {

namespace {
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, RouteHandler h) {
  routes_.push_back(Route{method, Split(pattern), std::move(h)});
}

bool Router::Match(const Route& r, const std::vector<std::string>& segs, Params& params) {
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const std::string& p = r.segments[i];
    if (p.size() > 5 && p.compare(p.size() - 4, 4, "...}") == 0) {
      if (i >= segs.size()) return false;
      std::string rest;
      for (size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + segs[k];
      params[p.substr(1, p.size() - 5)] = rest;
      return true;
    }
    if (i >= segs.size()) return false;
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      params[p.substr(1, p.size() - 2)] = segs[i];
    } else if (p != segs[i]) {
      return false;
    }
  }
  return i == segs.size();
}

HttpResponse Router::Dispatch(const HttpRequest& req) const {
  auto segs = Split(req.path);
  bool path_matched = false;
  for (const auto& r : routes_) {
    Params params;
    if (!Match(r, segs, params)) continue;
    path_matched = true;
    if (r.method != req.method) continue;
    return r.handler(req, params);
  }
  if (path_matched)
    return ErrorResponse(405, "MethodNotAllowed",
                         req.method + " is not allowed on " + req.path);
  return ErrorResponse(404, "NotFound", "no route for " + req.method + " " + req.path);
}

HttpResponse JsonResponse(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message) {
  boost::json::object o{{"error", boost::json::object{{"code", code}, {"message", message}}}};
  return JsonResponse(status, boost::json::serialize(o));
}

HttpResponse ErrorResponse(const Error& e) {
  int status = 500;
  switch (e.code) {
    case ErrorCode::kInvalidArgument: status = 400; break;
    case ErrorCode::kNotFound: status = 404; break;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kFailedPrecondition: status = 409; break;
    case ErrorCode::kResourceExhausted: status = 429; break;
    case ErrorCode::kUnauthenticated: status = 401; break;
    case ErrorCode::kUnavailable: status = 503; break;
    case ErrorCode::kInternal: status = 500; break;
  }
  return ErrorResponse(status, std::string(ErrorCodeName(e.code)), e.message);
}

}  // namespace gantry::api
