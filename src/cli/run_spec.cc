#include "cli/run_spec.h"

#include <boost/json/array.hpp>

#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kRunFamilyPrefix = "run-";
constexpr size_t kMaxFamilyLength = 255;  // ECS limit

bool IsFamilyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::string SanitizeFamilyPart(std::string_view image) {
  std::string out;
  out.reserve(image.size());
  for (char c : image) out.push_back(IsFamilyChar(c) ? c : '-');
  return out;
}

std::string RunFamilyFor(std::string_view image) {
  std::string family = std::string(kRunFamilyPrefix) + SanitizeFamilyPart(image);
  if (family.size() > kMaxFamilyLength) family.resize(kMaxFamilyLength);
  return family;
}

Result<std::optional<std::pair<std::string, std::string>>> ParseEnvAssignment(
    std::string_view text, const EnvLookup& lookup) {
  auto eq = text.find('=');
  std::string key(text.substr(0, eq));
  if (key.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid environment variable '{}': expected KEY=VALUE", text);
  if (eq == std::string_view::npos) {
    auto value = lookup ? lookup(key) : std::nullopt;
    if (!value) return std::optional<std::pair<std::string, std::string>>{};
    return std::optional(std::make_pair(key, *value));
  }
  return std::optional(std::make_pair(key, std::string(text.substr(eq + 1))));
}

bool TaskDefinitionFits(const json::object& td, const RunSpec& spec) {
  std::string status = StringField(td, "status");
  if (!status.empty() && status != "ACTIVE") return false;
  const json::array* containers = ArrayField(td, "containerDefinitions");
  if (containers == nullptr || containers->size() != 1 || !(*containers)[0].is_object())
    return false;
  const auto& c = (*containers)[0].as_object();
  return StringField(c, "name") == spec.container_name && StringField(c, "image") == spec.image;
}

json::value RegisterTaskDefinitionBody(const RunSpec& spec) {
  json::object container{{"name", spec.container_name}, {"image", spec.image}, {"essential", true}};
  return json::object{{"family", RunFamilyFor(spec.image)},
                      {"containerDefinitions", json::array{std::move(container)}}};
}

json::value RunTaskBody(const RunSpec& spec, std::string_view task_definition) {
  json::object body{{"taskDefinition", task_definition}, {"count", 1}};
  if (!spec.started_by.empty()) body["startedBy"] = spec.started_by;

  json::object container{{"name", spec.container_name}};
  if (!spec.command.empty()) {
    json::array cmd;
    for (const auto& a : spec.command) cmd.emplace_back(a);
    container["command"] = std::move(cmd);
  }
  if (!spec.environment.empty()) {
    json::array env;
    for (const auto& [k, v] : spec.environment)
      env.push_back(json::object{{"name", k}, {"value", v}});
    container["environment"] = std::move(env);
  }
  json::object overrides;
  if (spec.cpu) {
    container["cpu"] = *spec.cpu;
    overrides["cpu"] = std::to_string(*spec.cpu);
  }
  if (spec.memory) {
    container["memory"] = *spec.memory;
    overrides["memory"] = std::to_string(*spec.memory);
  }
  if (container.size() > 1) overrides["containerOverrides"] = json::array{std::move(container)};
  if (!overrides.empty()) body["overrides"] = std::move(overrides);
  return body;
}

}  // namespace gantry::cli
