// Helpers for reading boost::json values with errors that name the field and the expected type.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry {

Result<boost::json::value> ParseJson(std::string_view text);

// Each getter: missing/null -> nullopt; wrong type -> kInvalidArgument naming `path.key`.
Result<std::optional<std::string>> GetString(const boost::json::object& o, std::string_view key,
                                             std::string_view path);
Result<std::optional<int64_t>> GetInt(const boost::json::object& o, std::string_view key,
                                      std::string_view path);
Result<std::optional<bool>> GetBool(const boost::json::object& o, std::string_view key,
                                    std::string_view path);
Result<std::optional<std::vector<std::string>>> GetStringList(const boost::json::object& o,
                                                              std::string_view key,
                                                              std::string_view path);
Result<const boost::json::object*> GetObject(const boost::json::object& o, std::string_view key,
                                             std::string_view path);  // nullptr when absent
Result<const boost::json::array*> GetArray(const boost::json::object& o, std::string_view key,
                                           std::string_view path);  // nullptr when absent

std::string JoinPath(std::string_view path, std::string_view key);

}  // namespace gantry
