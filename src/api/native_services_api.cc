#include "api/native_services_api.h"

#include <boost/json.hpp>

#include "common/json_util.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

Result<json::object> Body(const HttpRequest& req) {
  if (req.body.empty()) return json::object{};
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(req.body));
  if (!v.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request body must be a JSON object");
  return std::move(v.as_object());
}

HttpResponse Json(int status, const json::object& o) {
  return JsonResponse(status, json::serialize(o));
}

template <typename Fn>
RouteHandler Wrap(Fn fn) {
  return [fn](const HttpRequest& req, const Params& p) -> HttpResponse {
    Result<HttpResponse> r = fn(req, p);
    if (!r.ok()) return ErrorResponse(r.error());
    return std::move(r).value();
  };
}

Result<bool> QueryBool(const HttpRequest& req, const std::string& name) {
  std::string v = req.Query(name);
  if (v.empty() || v == "false" || v == "0") return false;
  if (v == "true" || v == "1") return true;
  return MakeError(ErrorCode::kInvalidArgument, "{} must be true or false", name);
}

Result<int64_t> QueryLimit(const HttpRequest& req) {
  std::string v = req.Query("limit");
  if (v.empty()) return static_cast<int64_t>(model::kMaxServiceEvents);
  if (v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos)
    return MakeError(ErrorCode::kInvalidArgument, "limit must be between 1 and {}",
                     model::kMaxServiceEvents);
  int64_t n = std::stoll(v);
  if (n < 1 || n > static_cast<int64_t>(model::kMaxServiceEvents))
    return MakeError(ErrorCode::kInvalidArgument, "limit must be between 1 and {}",
                     model::kMaxServiceEvents);
  return n;
}

}  // namespace

void AddServiceRoutes(Router& router, services::ServiceService& svc) {
  auto* s = &svc;
  router.Add("POST", "/v1/services", Wrap([s](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, Body(req));
    GANTRY_ASSIGN_OR_RETURN(auto service, s->Create(body));
    return Json(201, json::object{{"service", model::ToApiJson(service)}});
  }));
  router.Add("GET", "/v1/services", Wrap([s](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto list, s->List(req.Query("cluster")));
    json::array a, arns;
    for (const auto& x : list) {
      a.push_back(model::ToApiJson(x));
      arns.push_back(json::string(x.arn));
    }
    return Json(200, json::object{{"services", a}, {"serviceArns", arns}});
  }));
  // {ref...}: a name or a (URL-encoded) service ARN, which contains slashes; "/events" suffix
  // selects the events.
  router.Add("GET", "/v1/services/{ref...}", Wrap([s](const HttpRequest& req, const Params& p) -> Result<HttpResponse> {
    std::string ref = p.at("ref");
    const std::string suffix = "/events";
    if (ref.size() > suffix.size() && ref.compare(ref.size() - suffix.size(), suffix.size(), suffix) == 0) {
      GANTRY_ASSIGN_OR_RETURN(int64_t limit, QueryLimit(req));
      GANTRY_ASSIGN_OR_RETURN(auto service, s->Describe(ref.substr(0, ref.size() - suffix.size())));
      json::array events;
      for (const auto& e : service.events) {
        if (static_cast<int64_t>(events.size()) >= limit) break;
        events.push_back(model::ToApiJson(e));
      }
      return Json(200, json::object{{"events", events}});
    }
    GANTRY_ASSIGN_OR_RETURN(auto service, s->Describe(ref));
    return Json(200, json::object{{"service", model::ToApiJson(service)}});
  }));
  auto update = Wrap([s](const HttpRequest& req, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, Body(req));
    GANTRY_ASSIGN_OR_RETURN(auto service, s->Update(p.at("ref"), body));
    return Json(200, json::object{{"service", model::ToApiJson(service)}});
  });
  router.Add("PATCH", "/v1/services/{ref...}", update);
  router.Add("POST", "/v1/services/{ref...}", update);
  router.Add("DELETE", "/v1/services/{ref...}", Wrap([s](const HttpRequest& req, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(bool force, QueryBool(req, "force"));
    GANTRY_ASSIGN_OR_RETURN(auto service, s->Delete(p.at("ref"), force));
    return Json(200, json::object{{"service", model::ToApiJson(service)}});
  }));
}

}  // namespace gantry::api
