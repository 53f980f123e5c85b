#include "cli/task_ref.h"

#include <algorithm>
#include <set>

#include "cli/api_client.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Result<std::vector<json::object>> TasksFromReply(const json::value& reply) {
  std::vector<json::object> out;
  const json::array* tasks = nullptr;
  if (reply.is_object()) {
    if (const auto* t = reply.as_object().if_contains("tasks"); t && t->is_array())
      tasks = &t->as_array();
  }
  if (tasks == nullptr)
    return MakeError(ErrorCode::kInternal, "unexpected reply to GET /v1/tasks: no \"tasks\" list");
  for (const auto& t : *tasks)
    if (t.is_object()) out.push_back(t.as_object());
  return out;
}

Result<json::object> TaskFromReply(const json::value& reply, std::string_view ref) {
  if (reply.is_object())
    if (const auto* t = reply.as_object().if_contains("task"); t && t->is_object())
      return t->as_object();
  return MakeError(ErrorCode::kInternal, "unexpected reply for task {}: no \"task\" object", ref);
}

}  // namespace

std::string TaskIdFromArn(std::string_view arn) {
  if (auto slash = arn.rfind('/'); slash != std::string_view::npos) arn.remove_prefix(slash + 1);
  return std::string(arn);
}

bool IsFullTaskId(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), IsHex);
}

Result<std::string> MatchTaskPrefix(std::string_view prefix, const std::vector<std::string>& ids) {
  std::string p = Lower(prefix);
  std::vector<std::string> matches;
  for (const auto& id : ids) {
    if (Lower(id).starts_with(p) && std::find(matches.begin(), matches.end(), id) == matches.end())
      matches.push_back(id);
  }
  if (matches.empty()) return MakeError(ErrorCode::kNotFound, "no task matches '{}'", prefix);
  if (matches.size() > 1) {
    std::string list;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) {
      if (i) list += ", ";
      list += matches[i].substr(0, 12);
    }
    if (matches.size() > 5) list += ", ...";
    return MakeError(ErrorCode::kInvalidArgument,
                     "task prefix '{}' is ambiguous: it matches {} tasks ({}); type more of the id",
                     prefix, matches.size(), list);
  }
  return matches.front();
}

Result<std::vector<json::object>> ListAllTasks(ApiClient& api, std::string_view family) {
  // Asked per desired status so that neither running nor recently stopped tasks are missed,
  // whatever the server's default filter is.
  std::vector<json::object> all;
  std::set<std::string> seen;
  for (const char* desired : {"RUNNING", "STOPPED"}) {
    std::string target = fmt::format("/v1/tasks?desiredStatus={}", desired);
    if (!family.empty()) target += "&family=" + PercentEncode(family);
    GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get(target));
    GANTRY_ASSIGN_OR_RETURN(auto tasks, TasksFromReply(reply));
    for (auto& t : tasks) {
      std::string arn = StringField(t, "taskArn");
      if (seen.insert(arn).second) all.push_back(std::move(t));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const json::object& a, const json::object& b) {
    return NumberField(a, "createdAt").value_or(0) > NumberField(b, "createdAt").value_or(0);
  });
  return all;
}

Result<json::object> ResolveTask(ApiClient& api, std::string_view ref) {
  if (ref.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty task reference");
  std::string id;
  if (ref.starts_with("arn:")) {
    id = TaskIdFromArn(ref);
  } else if (IsFullTaskId(Lower(ref))) {
    id = Lower(ref);
  } else {
    std::string p = Lower(ref);
    if (!std::all_of(p.begin(), p.end(), IsHex))
      return MakeError(ErrorCode::kInvalidArgument,
                       "invalid task reference '{}': expected a task id, a unique id prefix or a "
                       "task ARN",
                       ref);
    GANTRY_ASSIGN_OR_RETURN(auto tasks, ListAllTasks(api, ""));
    std::vector<std::string> ids;
    for (const auto& t : tasks) ids.push_back(TaskIdFromArn(StringField(t, "taskArn")));
    GANTRY_ASSIGN_OR_RETURN(id, MatchTaskPrefix(ref, ids));
  }
  if (id.empty()) return MakeError(ErrorCode::kInvalidArgument, "invalid task reference '{}'", ref);
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get("/v1/tasks/" + PercentEncode(id)));
  return TaskFromReply(reply, ref);
}

}  // namespace gantry::cli
