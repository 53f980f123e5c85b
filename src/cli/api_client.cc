#include "cli/api_client.h"

#include <boost/json/serialize.hpp>

#include "common/json_util.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

ErrorCode CodeFromName(std::string_view name, int status) {
  if (name == "InvalidArgument") return ErrorCode::kInvalidArgument;
  if (name == "NotFound") return ErrorCode::kNotFound;
  if (name == "AlreadyExists") return ErrorCode::kAlreadyExists;
  if (name == "Conflict") return ErrorCode::kConflict;
  if (name == "FailedPrecondition") return ErrorCode::kFailedPrecondition;
  if (name == "ResourceExhausted") return ErrorCode::kResourceExhausted;
  if (name == "Unauthenticated") return ErrorCode::kUnauthenticated;
  if (name == "Unavailable") return ErrorCode::kUnavailable;
  switch (status) {
    case 400:
    case 405:
    case 413:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kUnauthenticated;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Error ErrorFromReply(int status, std::string_view body) {
  auto parsed = ParseJson(body);
  if (parsed.ok() && parsed->is_object()) {
    if (const auto* err = parsed->as_object().if_contains("error"); err && err->is_object()) {
      const auto& o = err->as_object();
      std::string code, message;
      if (const auto* c = o.if_contains("code"); c && c->is_string()) code = c->as_string();
      if (const auto* m = o.if_contains("message"); m && m->is_string()) message = m->as_string();
      if (message.empty()) message = code.empty() ? fmt::format("HTTP {}", status) : code;
      return Error{CodeFromName(code, status), std::move(message)};
    }
  }
  std::string snippet(body.substr(0, 200));
  for (char& c : snippet)
    if (c == '\n' || c == '\r') c = ' ';
  if (snippet.empty()) return MakeError(CodeFromName("", status), "server replied HTTP {}", status);
  return MakeError(CodeFromName("", status), "server replied HTTP {}: {}", status, snippet);
}

namespace {

std::string Encode(std::string_view s, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' ||
                      keep.find(static_cast<char>(c)) != std::string_view::npos;
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace

std::string PercentEncode(std::string_view s) { return Encode(s, ""); }
std::string EncodePathSegment(std::string_view s) { return Encode(s, ":@"); }

Result<json::value> ApiClient::Call(std::string_view method, std::string_view target,
                                    std::string_view body, std::chrono::milliseconds timeout) {
  GANTRY_ASSIGN_OR_RETURN(Response r, http_.Request(method, target, body, timeout));
  if (r.status < 200 || r.status >= 300) return ErrorFromReply(r.status, r.body);
  if (r.body.empty()) return json::value(json::object());
  auto parsed = ParseJson(r.body);
  if (!parsed.ok())
    return MakeError(ErrorCode::kInternal, "{} {}: server sent a reply that is not JSON ({})",
                     method, target, parsed.error().message);
  return std::move(parsed).value();
}

Result<json::value> ApiClient::Get(std::string_view target, std::chrono::milliseconds timeout) {
  return Call("GET", target, {}, timeout);
}

Result<json::value> ApiClient::Post(std::string_view target, const json::value& body) {
  return Call("POST", target, json::serialize(body), HttpClient::kDefaultTimeout);
}

Result<json::value> ApiClient::Delete(std::string_view target) {
  return Call("DELETE", target, {}, HttpClient::kDefaultTimeout);
}

}  // namespace gantry::cli
