// Task references as users type them: a full 32-hex id, a unique id prefix, or a task ARN.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gantry::cli {

class ApiClient;

// ".../task/default/0f3c..." -> "0f3c..."; a bare id is returned unchanged.
std::string TaskIdFromArn(std::string_view arn);
bool IsFullTaskId(std::string_view s);

// Pure prefix resolution: the one id in `ids` that starts with `prefix` (case-insensitive).
// No match -> kNotFound; several -> kInvalidArgument listing them.
Result<std::string> MatchTaskPrefix(std::string_view prefix, const std::vector<std::string>& ids);

// Resolves `ref` against the server and returns the task object.
Result<boost::json::object> ResolveTask(ApiClient& api, std::string_view ref);

// Every task the server still knows (running and recently stopped), newest first, optionally
// limited to one family.
Result<std::vector<boost::json::object>> ListAllTasks(ApiClient& api, std::string_view family);

}  // namespace gantry::cli
