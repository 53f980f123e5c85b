#include "common/json_util.h"

#include <boost/json/parse.hpp>

namespace gantry {

namespace json = boost::json;

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

Result<json::value> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, "invalid JSON: {}", ec.message());
  return v;
}

Result<std::optional<std::string>> GetString(const json::object& o, std::string_view key,
                                             std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return MakeError(ErrorCode::kInvalidArgument, "{} must be a string", JoinPath(path, key));
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<int64_t>> GetInt(const json::object& o, std::string_view key,
                                      std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>{};
  const json::value& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  if (v.is_double() && v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double())))
    return std::optional<int64_t>(static_cast<int64_t>(v.as_double()));
  // ECS task-level cpu/memory are strings ("256"); accept numeric strings too.
  if (v.is_string()) {
    const auto& s = v.as_string();
    if (!s.empty() && s.size() < 19) {
      int64_t n = 0;
      bool digits = true;
      for (char c : s) {
        if (c < '0' || c > '9') { digits = false; break; }
        n = n * 10 + (c - '0');
      }
      if (digits) return std::optional<int64_t>(n);
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "{} must be an integer", JoinPath(path, key));
}

Result<std::optional<bool>> GetBool(const json::object& o, std::string_view key,
                                    std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool())
    return MakeError(ErrorCode::kInvalidArgument, "{} must be a boolean", JoinPath(path, key));
  return std::optional<bool>(it->value().as_bool());
}

Result<std::optional<std::vector<std::string>>> GetStringList(const json::object& o,
                                                              std::string_view key,
                                                              std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<std::string>>{};
  if (!it->value().is_array())
    return MakeError(ErrorCode::kInvalidArgument, "{} must be a list of strings",
                     JoinPath(path, key));
  std::vector<std::string> out;
  for (const auto& e : it->value().as_array()) {
    if (!e.is_string())
      return MakeError(ErrorCode::kInvalidArgument, "{} must be a list of strings",
                       JoinPath(path, key));
    out.emplace_back(e.as_string());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<const json::object*> GetObject(const json::object& o, std::string_view key,
                                      std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::object*>(nullptr);
  if (!it->value().is_object())
    return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", JoinPath(path, key));
  return &it->value().as_object();
}

Result<const json::array*> GetArray(const json::object& o, std::string_view key,
                                    std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::array*>(nullptr);
  if (!it->value().is_array())
    return MakeError(ErrorCode::kInvalidArgument, "{} must be a list", JoinPath(path, key));
  return &it->value().as_array();
}

}  // namespace gantry
