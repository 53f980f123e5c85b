#include "api/native_api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "api/native_services_api.h"
#include "common/json_util.h"
#include "model/node.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

Result<json::object> BodyObject(const HttpRequest& req) {
  if (req.body.empty()) return json::object{};
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(req.body));
  if (!v.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "request body must be a JSON object");
  return std::move(v.as_object());
}

HttpResponse Json(int status, const json::object& o) { return JsonResponse(status, json::serialize(o)); }

json::object ImageJson(const image::ImageInfo& i) {
  return json::object{{"reference", i.reference},
                      {"digest", i.manifest_digest},
                      {"configDigest", i.config_digest},
                      {"layers", i.layer_digests.size()},
                      {"size", i.size_bytes},
                      {"createdAt", static_cast<double>(i.created_ms) / 1000.0}};
}

std::string HexEncode(const std::string& s) {
  static const char* k = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(k[c >> 4]);
    out.push_back(k[c & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int a = nib(s[i]), b = nib(s[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a * 16 + b));
  }
  return out;
}

Result<int64_t> QueryInt(const HttpRequest& req, const std::string& name, int64_t def,
                         int64_t min, int64_t max) {
  std::string v = req.Query(name);
  if (v.empty()) return def;
  int64_t n = 0;
  if (v.size() > 18) return MakeError(ErrorCode::kInvalidArgument, "{} is too large", name);
  for (char c : v) {
    if (c < '0' || c > '9')
      return MakeError(ErrorCode::kInvalidArgument, "{} must be a non-negative integer", name);
    n = n * 10 + (c - '0');
  }
  if (n < min || n > max)
    return MakeError(ErrorCode::kInvalidArgument, "{} must be between {} and {}", name, min, max);
  return n;
}

}  // namespace

NativeApi::NativeApi(NativeApiDeps deps) : d_(deps) {
  auto wrap = [](auto fn) {
    return [fn](const HttpRequest& req, const Params& p) -> HttpResponse {
      Result<HttpResponse> r = fn(req, p);
      if (!r.ok()) return ErrorResponse(r.error());
      return std::move(r).value();
    };
  };

  router_.Add("GET", "/healthz", wrap([](const HttpRequest&, const Params&) -> Result<HttpResponse> {
    return Json(200, json::object{{"status", "ok"}});
  }));

  router_.Add("GET", "/v1/info", wrap([this](const HttpRequest&, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto nodes, d_.store.List("node"));
    GANTRY_ASSIGN_OR_RETURN(auto running, d_.tasks.List({.desired_status = "RUNNING"}));
    json::array ns;
    for (const auto& o : nodes) {
      GANTRY_ASSIGN_OR_RETURN(auto n, model::NodeFromStoreJson(o.value));
      int64_t count = std::count_if(running.begin(), running.end(),
                                    [&](const model::Task& t) { return t.node_id == n.id; });
      ns.push_back(json::object{{"id", n.id}, {"hostname", n.hostname}, {"cpu", n.cpu_units},
                                {"memory", n.memory_mib}, {"status", n.status},
                                {"runningTasks", count}});
    }
    const auto& acct = d_.taskdefs.account();
    return Json(200, json::object{{"version", d_.version}, {"region", acct.region},
                                  {"accountId", acct.account_id}, {"nodes", ns}});
  }));

  // ---- task definitions
  router_.Add("POST", "/v1/task-definitions", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, BodyObject(req));
    GANTRY_ASSIGN_OR_RETURN(auto td, d_.taskdefs.Register(body));
    return Json(201, json::object{{"taskDefinition", model::ToApiJson(td)}});
  }));
  router_.Add("GET", "/v1/task-definitions", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto tds, d_.taskdefs.List(req.Query("familyPrefix"), req.Query("status")));
    json::array a;
    for (const auto& td : tds) a.push_back(model::ToApiJson(td));
    return Json(200, json::object{{"taskDefinitions", a}});
  }));
  router_.Add("GET", "/v1/task-definitions/families", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto fams, d_.taskdefs.ListFamilies(req.Query("familyPrefix"), req.Query("status")));
    json::array a;
    for (const auto& f : fams) a.push_back(json::string(f));
    return Json(200, json::object{{"families", a}});
  }));
  router_.Add("GET", "/v1/task-definitions/{ref...}", wrap([this](const HttpRequest&, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto td, d_.taskdefs.Describe(p.at("ref")));
    return Json(200, json::object{{"taskDefinition", model::ToApiJson(td)}});
  }));
  router_.Add("DELETE", "/v1/task-definitions/{ref...}", wrap([this](const HttpRequest&, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto td, d_.taskdefs.Deregister(p.at("ref")));
    return Json(200, json::object{{"taskDefinition", model::ToApiJson(td)}});
  }));

  // ---- tasks
  router_.Add("POST", "/v1/tasks", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, BodyObject(req));
    GANTRY_ASSIGN_OR_RETURN(auto rr, services::ParseRunTaskRequest(body));
    GANTRY_ASSIGN_OR_RETURN(auto tasks, d_.tasks.Run(rr));
    json::array a;
    for (const auto& t : tasks) a.push_back(model::ToApiJson(t));
    return Json(201, json::object{{"tasks", a}, {"failures", json::array{}}});
  }));
  router_.Add("GET", "/v1/tasks", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    services::TaskFilter f;
    f.family = req.Query("family");
    f.desired_status = req.Query("desiredStatus");
    f.last_status = req.Query("lastStatus");
    f.started_by = req.Query("startedBy");
    f.cluster = req.Query("cluster");
    GANTRY_ASSIGN_OR_RETURN(auto tasks, d_.tasks.List(f));
    json::array a;
    for (const auto& t : tasks) a.push_back(model::ToApiJson(t));
    return Json(200, json::object{{"tasks", a}});
  }));
  router_.Add("GET", "/v1/tasks/{id}", wrap([this](const HttpRequest&, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto t, d_.tasks.Describe(p.at("id")));
    return Json(200, json::object{{"task", model::ToApiJson(t)}});
  }));
  router_.Add("POST", "/v1/tasks/{id}/stop", wrap([this](const HttpRequest& req, const Params& p) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, BodyObject(req));
    GANTRY_ASSIGN_OR_RETURN(auto reason, GetString(body, "reason", ""));
    GANTRY_ASSIGN_OR_RETURN(auto t, d_.tasks.Stop(p.at("id"), reason.value_or("")));
    return Json(200, json::object{{"task", model::ToApiJson(t)}});
  }));
  router_.Add("GET", "/v1/tasks/{id}/logs", [this](const HttpRequest& req, const Params& p) {
    return TaskLogs(req, p.at("id"));
  });

  // ---- services (api/native_services_api.cc)
  AddServiceRoutes(router_, d_.services);

  // ---- images
  router_.Add("POST", "/v1/images/import", wrap([this](const HttpRequest& req, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto body, BodyObject(req));
    GANTRY_ASSIGN_OR_RETURN(auto path, GetString(body, "path", ""));
    GANTRY_ASSIGN_OR_RETURN(auto tag, GetString(body, "tag", ""));
    if (!path || path->empty() || (*path)[0] != '/')
      return MakeError(ErrorCode::kInvalidArgument, "path must be an absolute path on the server");
    std::optional<std::string> t;
    if (tag && !tag->empty()) t = *tag;
    GANTRY_ASSIGN_OR_RETURN(auto info, d_.images.Import(*path, t));
    return Json(201, json::object{{"image", ImageJson(info)}});
  }));
  router_.Add("GET", "/v1/images", wrap([this](const HttpRequest&, const Params&) -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(auto list, d_.images.List());
    json::array a;
    for (const auto& i : list) a.push_back(ImageJson(i));
    return Json(200, json::object{{"images", a}});
  }));
  router_.Add("DELETE", "/v1/images/{ref...}", wrap([this](const HttpRequest&, const Params& p) -> Result<HttpResponse> {
    GANTRY_TRY(d_.images.Remove(p.at("ref")));
    return Json(200, json::object{});
  }));
}

HttpResponse NativeApi::TaskLogs(const HttpRequest& req, const std::string& id) const {
  auto run = [&]() -> Result<HttpResponse> {
    GANTRY_ASSIGN_OR_RETURN(model::Task task, d_.tasks.Describe(id));
    GANTRY_ASSIGN_OR_RETURN(int64_t limit, QueryInt(req, "limit", 1000, 1, 10000));
    GANTRY_ASSIGN_OR_RETURN(int64_t wait_s, QueryInt(req, "wait", 0, 0, 20));
    GANTRY_ASSIGN_OR_RETURN(int64_t start_ms, QueryInt(req, "startTime", 0, 0, INT64_MAX / 2));
    std::string only = req.Query("container");
    if (!only.empty() && !task.FindContainer(only))
      return MakeError(ErrorCode::kNotFound, "task {} has no container named '{}'", task.id, only);
    // The token carries one forward token per container stream.
    json::object tokens;
    std::string tok = req.Query("nextToken");
    if (!tok.empty()) {
      auto raw = HexDecode(tok);
      if (!raw) return MakeError(ErrorCode::kInvalidArgument, "invalid nextToken");
      auto v = ParseJson(*raw);
      if (!v.ok() || !v->is_object()) return MakeError(ErrorCode::kInvalidArgument, "invalid nextToken");
      tokens = v->as_object();
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    for (;;) {
      int64_t seen_id = d_.logs.LastEventId();
      struct Row {
        int64_t ts, id;
        std::string container, message;
      };
      std::vector<Row> rows;
      for (const auto& c : task.containers) {
        if (!only.empty() && c.name != only) continue;
        store::ReadOptions ro;
        ro.limit = static_cast<size_t>(limit);
        ro.start_from_head = true;
        if (start_ms) ro.start_ms = start_ms;
        if (auto it = tokens.find(c.name); it != tokens.end() && it->value().is_string())
          ro.token = std::string(it->value().as_string());
        auto page = d_.logs.Read(c.log_group, c.log_stream, ro);
        if (!page.ok()) {
          if (page.error().code == ErrorCode::kNotFound) continue;  // nothing logged yet
          return std::move(page).error();
        }
        tokens[c.name] = page->next_forward_token;
        for (auto& e : page->events)
          rows.push_back(Row{e.timestamp_ms, e.id, c.name, std::move(e.message)});
      }
      bool stopped = task.IsStopped();
      if (rows.empty() && !stopped && std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        d_.logs.WaitForNewEvents(seen_id, std::min(left, std::chrono::milliseconds(1000)));
        GANTRY_ASSIGN_OR_RETURN(task, d_.tasks.Describe(id));
        continue;
      }
      std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return a.ts != b.ts ? a.ts < b.ts : a.id < b.id;
      });
      json::array events;
      for (const auto& r : rows)
        events.push_back(json::object{{"timestamp", r.ts}, {"container", r.container},
                                      {"message", r.message}});
      json::object out{{"events", events}, {"nextToken", HexEncode(json::serialize(tokens))}};
      if (stopped && rows.empty()) out["complete"] = true;
      return Json(200, out);
    }
  };
  auto r = run();
  if (!r.ok()) return ErrorResponse(r.error());
  return std::move(r).value();
}

}  // namespace gantry::api
