#include "cli/api_objects.h"

#include <fmt/format.h>

#include "cli/service_spec.h"
#include "cli/task_view.h"

namespace gantry::cli {

namespace json = boost::json;

Result<json::object> TaskDefinitionFromReply(const json::value& reply) {
  if (reply.is_object())
    if (const auto* td = reply.as_object().if_contains("taskDefinition"); td && td->is_object())
      return td->as_object();
  return MakeError(ErrorCode::kInternal, "unexpected reply: no \"taskDefinition\" object");
}

std::string RevisionRef(const json::object& td) {
  std::string family = StringField(td, "family");
  auto rev = NumberField(td, "revision");
  if (family.empty() || !rev) return FamilyRevision(StringField(td, "taskDefinitionArn"));
  return fmt::format("{}:{}", family, static_cast<int64_t>(*rev));
}

Result<std::string> FindOrRegisterTaskDefinition(
    ApiClient& api, const std::string& family,
    const std::function<bool(const json::object&)>& fits, const json::value& body) {
  auto latest = api.Get("/v1/task-definitions/" + EncodePathSegment(family));
  if (latest.ok()) {
    GANTRY_ASSIGN_OR_RETURN(json::object td, TaskDefinitionFromReply(*latest));
    if (fits(td)) return RevisionRef(td);
  } else if (latest.error().code != ErrorCode::kNotFound) {
    return std::move(latest).error();
  }
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Post("/v1/task-definitions", body));
  GANTRY_ASSIGN_OR_RETURN(json::object td, TaskDefinitionFromReply(reply));
  return RevisionRef(td);
}

Result<json::object> GetService(ApiClient& api, const std::string& name) {
  GANTRY_ASSIGN_OR_RETURN(json::value reply, api.Get(ServicePath(name)));
  return ServiceFromReply(reply);
}

}  // namespace gantry::cli
