// Objects out of native API replies, and the find-or-register step of `run`, `service create` and
// `deploy`: one place for what each of them used to spell out.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "cli/api_client.h"
#include "common/result.h"

namespace gantry::cli {

// The "taskDefinition" object of a task definition reply.
Result<boost::json::object> TaskDefinitionFromReply(const boost::json::value& reply);

// "family:revision" of a task definition object.
std::string RevisionRef(const boost::json::object& task_definition);

// "family:revision" of the latest revision of `family` when `fits` accepts it, else of a new
// revision registered from `body` (which must name `family`).
Result<std::string> FindOrRegisterTaskDefinition(
    ApiClient& api, const std::string& family,
    const std::function<bool(const boost::json::object&)>& fits, const boost::json::value& body);

// GET /v1/services/{name} -> the "service" object.
Result<boost::json::object> GetService(ApiClient& api, const std::string& name);

}  // namespace gantry::cli
