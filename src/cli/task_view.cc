#include "cli/task_view.h"

#include <fmt/format.h>

#include <cmath>

#include "cli/humanize.h"
#include "cli/task_ref.h"

namespace gantry::cli {

namespace json = boost::json;

std::string StringField(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return {};
}

std::optional<double> NumberField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

const json::array* ArrayField(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_array()) return &v->as_array();
  return nullptr;
}

std::string FamilyRevision(std::string_view arn) {
  constexpr std::string_view kMarker = "task-definition/";
  if (auto pos = arn.find(kMarker); pos != std::string_view::npos)
    return std::string(arn.substr(pos + kMarker.size()));
  return std::string(arn);
}

namespace {

// The named container, or the first one with an exit code when no name is given.
const json::object* FindContainer(const json::object& task, std::string_view name,
                                  bool want_exit_code) {
  const json::array* containers = ArrayField(task, "containers");
  if (containers == nullptr) return nullptr;
  for (const auto& c : *containers) {
    if (!c.is_object()) continue;
    const auto& co = c.as_object();
    if (!name.empty()) {
      if (StringField(co, "name") == name) return &co;
    } else if (!want_exit_code || NumberField(co, "exitCode")) {
      return &co;
    }
  }
  return nullptr;
}

}  // namespace

std::string TaskImages(const json::object& task) {
  std::string out;
  if (const json::array* containers = ArrayField(task, "containers")) {
    for (const auto& c : *containers) {
      if (!c.is_object()) continue;
      std::string image = StringField(c.as_object(), "image");
      if (image.empty()) continue;
      if (!out.empty()) out += ",";
      out += image;
    }
  }
  return out;
}

std::optional<int> ContainerExitCode(const json::object& task, std::string_view name) {
  const json::object* c = FindContainer(task, name, true);
  if (c == nullptr) return std::nullopt;
  auto code = NumberField(*c, "exitCode");
  if (!code) return std::nullopt;
  return static_cast<int>(std::lround(*code));
}

std::string ContainerReason(const json::object& task, std::string_view name) {
  const json::object* c = FindContainer(task, name, false);
  return c ? StringField(*c, "reason") : std::string();
}

std::string TaskStatusText(const json::object& task) {
  std::string last = StringField(task, "lastStatus");
  if (last.empty()) last = "UNKNOWN";
  if (last != "STOPPED") return last;
  if (StringField(task, "stopCode") == "TaskFailedToStart") return "STOPPED (failed to start)";
  if (auto code = ContainerExitCode(task)) return fmt::format("STOPPED (exit {})", *code);
  return last;
}

std::vector<std::string> PsHeaders() {
  return {"TASK ID", "IMAGE", "STATUS", "CREATED", "FAMILY:REV", "NAME"};
}

std::vector<std::string> PsRow(const json::object& task, int64_t now_ms) {
  std::string id = TaskIdFromArn(StringField(task, "taskArn")).substr(0, 12);
  std::string created;
  if (auto at = NumberField(task, "createdAt")) created = FormatAgo(now_ms, EpochSecondsToMs(*at));
  // NAME: what the user called it (startedBy, e.g. `run --started-by`), else container names.
  std::string name = StringField(task, "startedBy");
  if (name.empty()) {
    if (const json::array* containers = ArrayField(task, "containers")) {
      for (const auto& c : *containers) {
        if (!c.is_object()) continue;
        if (!name.empty()) name += ",";
        name += StringField(c.as_object(), "name");
      }
    }
  }
  return {id,
          TaskImages(task),
          TaskStatusText(task),
          created,
          FamilyRevision(StringField(task, "taskDefinitionArn")),
          name};
}

}  // namespace gantry::cli
