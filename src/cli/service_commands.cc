// `gantry service create|ls|inspect|scale|update|rm` and `gantry events`: ECS services over
// /v1/services (docs/api.md "Services").
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "cli/api_objects.h"
#include "cli/commands.h"
#include "cli/service_spec.h"
#include "cli/table.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

// The API keeps at most 100 events per service.
constexpr int kMaxEvents = 100;
constexpr auto kEventsPollInterval = std::chrono::seconds(1);

// "family:rev" of the service's own family (named after the service) running spec, reusing the
// latest revision when it is exactly that, else registering a new one.
Result<std::string> FindOrRegisterServiceTaskDefinition(ApiClient& api, const std::string& family,
                                                        const RunSpec& spec) {
  return FindOrRegisterTaskDefinition(
      api, family, [&spec](const json::object& td) { return ServiceTaskDefinitionFits(td, spec); },
      ServiceTaskDefinitionBody(family, spec));
}

std::string PrimaryId(const json::object& service) {
  const json::object* p = PrimaryDeployment(service);
  return p ? StringField(*p, "id") : "";
}

Result<json::array> GetEvents(ApiClient& api, const std::string& name) {
  std::string target = fmt::format("{}/events?limit={}", ServicePath(name), kMaxEvents);
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get(target));
  if (const json::object* o = reply.if_object())
    if (const json::array* events = ArrayField(*o, "events")) return *events;
  return MakeError(ErrorCode::kInternal, "unexpected reply: no \"events\" list");
}

void PrintEvents(const std::vector<json::object>& events, OutputFormat output) {
  for (const auto& e : events) {
    if (output == OutputFormat::kJson) {
      fmt::print("{}\n", json::serialize(e));
    } else {
      fmt::print("{}\n", FormatEventLine(e));
    }
  }
  std::fflush(stdout);
}

}  // namespace

Result<int> ServiceCreateCommand(CliContext& ctx, ServiceCreateOptions options) {
  ServiceCreateArgs& args = options.args;
  RunSpec& spec = args.spec;
  if (!IsValidServiceName(args.name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid service name '{}': up to 255 letters, numbers, hyphens and "
                     "underscores",
                     args.name);
  // Fail before registering anything when the name is taken (an INACTIVE service is replaced).
  if (auto existing = GetService(ctx.api, args.name); existing.ok()) {
    std::string status = StringField(*existing, "status");
    if (status == "ACTIVE" || status == "DRAINING")
      return MakeError(ErrorCode::kAlreadyExists, "service {} already exists ({})", args.name,
                       status);
  } else if (existing.error().code != ErrorCode::kNotFound) {
    return std::move(existing).error();
  }
  std::string task_definition = args.task_definition;
  if (!spec.image.empty()) {
    if (spec.container_name.empty()) spec.container_name = "main";
    if (!spec.command.empty() && spec.command.front() == "--")
      spec.command.erase(spec.command.begin());
    for (const auto& raw : options.env_args) {
      GANTRY_ASSIGN_OR_RETURN(auto kv, ParseEnvAssignment(raw, [](const std::string& key) {
                                const char* v = std::getenv(key.c_str());
                                return v ? std::optional<std::string>(v) : std::nullopt;
                              }));
      if (kv) spec.environment.push_back(std::move(*kv));
    }
    GANTRY_ASSIGN_OR_RETURN(task_definition,
                            FindOrRegisterServiceTaskDefinition(ctx.api, args.name, spec));
  } else if (task_definition.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--task-definition or --image is required");
  }

  GANTRY_ASSIGN_OR_RETURN(json::value body, CreateServiceBody(args, task_definition));
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Post("/v1/services", body));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  GANTRY_ASSIGN_OR_RETURN(json::object service, ServiceFromReply(reply));
  fmt::print("{}\n", StringField(service, "serviceName"));
  return 0;
}

Result<int> ServiceLsCommand(CliContext& ctx) {
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Get("/v1/services"));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  Table table(ServiceLsHeaders());
  if (const json::object* o = reply.if_object())
    if (const json::array* list = ArrayField(*o, "services"))
      for (const auto& s : *list)
        if (s.is_object()) table.AddRow(ServiceLsRow(s.as_object()));
  fmt::print("{}", table.Render());
  return 0;
}

Result<int> ServiceInspectCommand(CliContext& ctx, const std::string& name) {
  GANTRY_ASSIGN_OR_RETURN(json::object service, GetService(ctx.api, name));
  PrintJson(service);
  return 0;
}

Result<int> ServiceScaleCommand(CliContext& ctx, const std::string& name, int desired_count) {
  if (desired_count < 0)
    return MakeError(ErrorCode::kInvalidArgument, "the desired count must not be negative");
  json::object body{{"desiredCount", desired_count}};
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Post(ServicePath(name), body));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  GANTRY_ASSIGN_OR_RETURN(json::object service, ServiceFromReply(reply));
  fmt::print("{} scaled to {}\n", StringField(service, "serviceName"), desired_count);
  return 0;
}

Result<int> ServiceUpdateCommand(CliContext& ctx, const ServiceUpdateArgs& args) {
  GANTRY_ASSIGN_OR_RETURN(json::value body, UpdateServiceBody(args));
  GANTRY_ASSIGN_OR_RETURN(json::object before, GetService(ctx.api, args.name));
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Post(ServicePath(args.name), body));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  GANTRY_ASSIGN_OR_RETURN(json::object service, ServiceFromReply(reply));
  std::string name = StringField(service, "serviceName");
  std::string primary = PrimaryId(service);
  if (!primary.empty() && primary != PrimaryId(before)) {
    fmt::print("{}: deployment {} started ({}; `gantry events -f {}` to follow)\n", name, primary,
               FamilyRevision(StringField(service, "taskDefinition")), name);
  } else {
    fmt::print("{}\n", name);
  }
  return 0;
}

Result<int> ServiceRmCommand(CliContext& ctx, const std::string& name, bool force) {
  std::string target = ServicePath(name);
  if (force) target += "?force=true";
  auto reply = ctx.api.Delete(target);
  if (!reply.ok()) {
    Error e = std::move(reply).error();
    if (!force && e.code == ErrorCode::kInvalidArgument &&
        e.message.find("scaled above 0") != std::string::npos)
      e.message += " (use --force, or `gantry service scale " + name + " 0` first)";
    return e;
  }
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(*reply);
    return 0;
  }
  GANTRY_ASSIGN_OR_RETURN(json::object service, ServiceFromReply(*reply));
  fmt::print("{} {}\n", StringField(service, "serviceName"), StringField(service, "status"));
  return 0;
}

Result<int> EventsCommand(CliContext& ctx, const EventsOptions& options) {
  GANTRY_ASSIGN_OR_RETURN(json::array events, GetEvents(ctx.api, options.service));
  if (!options.follow && ctx.output == OutputFormat::kJson) {
    PrintJson(json::object{{"events", std::move(events)}});
    return 0;
  }
  std::set<std::string> seen;
  PrintEvents(TakeNewEvents(events, seen), ctx.output);
  if (!options.follow) return 0;
  for (;;) {  // until Ctrl-C (the interrupt handler exits 130)
    std::this_thread::sleep_for(kEventsPollInterval);
    GANTRY_ASSIGN_OR_RETURN(events, GetEvents(ctx.api, options.service));
    PrintEvents(TakeNewEvents(events, seen), ctx.output);
  }
}

}  // namespace gantry::cli
