// `gantry taskdef register|ls|inspect|rm`: task definitions as ECS knows them.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.h"
#include "cli/humanize.h"
#include "cli/table.h"
#include "cli/task_view.h"
#include "common/json_util.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

Result<std::string> ReadInput(const std::string& file) {
  if (file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return ErrnoError(fmt::format("cannot read {}", file), errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return ErrnoError(fmt::format("cannot read {}", file), errno);
  return text;
}

const json::object* TaskDefinitionIn(const json::value& reply) {
  if (const json::object* o = reply.if_object())
    if (const auto* td = o->if_contains("taskDefinition")) return td->if_object();
  return nullptr;
}

std::string FamilyRev(const json::object& td) {
  auto rev = NumberField(td, "revision");
  std::string family = StringField(td, "family");
  if (family.empty() || !rev) return FamilyRevision(StringField(td, "taskDefinitionArn"));
  return fmt::format("{}:{}", family, static_cast<int64_t>(*rev));
}

std::string ContainerImages(const json::object& td) {
  std::string out;
  if (const json::array* cs = ArrayField(td, "containerDefinitions")) {
    for (const auto& c : *cs) {
      if (!c.is_object()) continue;
      if (!out.empty()) out += ",";
      out += StringField(c.as_object(), "image");
    }
  }
  return out;
}

// cpu/memory are strings in ECS but numbers are accepted too.
std::string ScalarText(const json::object& o, std::string_view key) {
  if (auto s = StringField(o, key); !s.empty()) return s;
  if (auto n = NumberField(o, key)) return fmt::format("{}", static_cast<int64_t>(*n));
  return "";
}

}  // namespace

Result<int> TaskdefRegisterCommand(CliContext& ctx, const std::string& file) {
  GANTRY_ASSIGN_OR_RETURN(std::string text, ReadInput(file));
  auto parsed = ParseJson(text);
  if (!parsed.ok())
    return MakeError(ErrorCode::kInvalidArgument, "{}: {}", file == "-" ? "stdin" : file,
                     parsed.error().message);
  json::value body = std::move(parsed).value();
  if (!body.is_object())
    return MakeError(ErrorCode::kInvalidArgument, "{}: a task definition must be a JSON object",
                     file);
  // Accept the output of `taskdef inspect`/describe ({"taskDefinition": {...}}) as well.
  if (!body.as_object().contains("family"))
    if (const json::object* inner = TaskDefinitionIn(body)) body = *inner;

  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Post("/v1/task-definitions", body));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  const json::object* td = TaskDefinitionIn(reply);
  if (td == nullptr) return MakeError(ErrorCode::kInternal, "unexpected reply: no taskDefinition");
  fmt::print("{}\n", FamilyRev(*td));
  return 0;
}

Result<int> TaskdefLsCommand(CliContext& ctx, const TaskdefLsOptions& options) {
  std::string target =
      fmt::format("/v1/task-definitions?status={}", options.all ? "ALL" : "ACTIVE");
  if (!options.family_prefix.empty())
    target += "&familyPrefix=" + PercentEncode(options.family_prefix);
  GANTRY_ASSIGN_OR_RETURN(json::value reply, ctx.api.Get(target));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  Table table({"TASK DEFINITION", "STATUS", "IMAGES", "CPU", "MEMORY", "REGISTERED"});
  if (const json::object* o = reply.if_object()) {
    if (const json::array* tds = ArrayField(*o, "taskDefinitions")) {
      for (const auto& v : *tds) {
        if (!v.is_object()) continue;
        const auto& td = v.as_object();
        auto at = NumberField(td, "registeredAt");
        table.AddRow({FamilyRev(td), StringField(td, "status"), ContainerImages(td),
                      ScalarText(td, "cpu"), ScalarText(td, "memory"),
                      at ? FormatAgo(now, EpochSecondsToMs(*at)) : ""});
      }
    }
  }
  fmt::print("{}", table.Render());
  return 0;
}

Result<int> TaskdefInspectCommand(CliContext& ctx, const std::string& reference) {
  if (reference.empty())
    return MakeError(ErrorCode::kInvalidArgument, "a FAMILY[:REV] is required");
  GANTRY_ASSIGN_OR_RETURN(json::value reply,
                          ctx.api.Get("/v1/task-definitions/" + EncodePathSegment(reference)));
  const json::object* td = TaskDefinitionIn(reply);
  PrintJson(td ? json::value(*td) : reply);
  return 0;
}

Result<int> TaskdefRmCommand(CliContext& ctx, const std::string& reference) {
  auto colon = reference.rfind(':');
  bool has_revision = colon != std::string::npos && colon + 1 < reference.size() &&
                      reference.find_first_not_of("0123456789", colon + 1) == std::string::npos;
  if (!has_revision)
    return MakeError(ErrorCode::kInvalidArgument,
                     "'{}' names no revision: use FAMILY:REV (e.g. web:3)", reference);
  GANTRY_ASSIGN_OR_RETURN(json::value reply,
                          ctx.api.Delete("/v1/task-definitions/" + EncodePathSegment(reference)));
  if (ctx.output == OutputFormat::kJson) {
    PrintJson(reply);
    return 0;
  }
  const json::object* td = TaskDefinitionIn(reply);
  fmt::print("{} {}\n", td ? FamilyRev(*td) : reference,
             td ? StringField(*td, "status") : std::string("INACTIVE"));
  return 0;
}

}  // namespace gantry::cli
