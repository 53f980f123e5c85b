#include "aws/list_paging.h"

#include <boost/json.hpp>

#include <cstring>

#include "common/json_util.h"

namespace gantry::aws {

namespace {
constexpr const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr const char* kMagic = "gantry-page:";
}  // namespace

std::string EncodePageToken(size_t offset) {
  std::string in = kMagic + std::to_string(offset);
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64[(v >> s) & 63]);
  }
  if (size_t rest = in.size() - i) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<size_t> DecodePageToken(const std::string& token) {
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char c : token) {
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (!p || !c) return std::nullopt;
    v = (v << 6) | uint32_t(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  std::string magic = kMagic;
  if (out.rfind(magic, 0) != 0 || out.size() == magic.size() || out.size() > magic.size() + 12)
    return std::nullopt;
  size_t n = 0;
  for (size_t i = magic.size(); i < out.size(); ++i) {
    if (out[i] < '0' || out[i] > '9') return std::nullopt;
    n = n * 10 + size_t(out[i] - '0');
  }
  return n;
}

std::variant<PageRequest, AwsError> ReadPageRequest(const boost::json::object& input,
                                                    const char* token_key, const char* limit_key,
                                                    size_t max_limit, size_t default_limit) {
  PageRequest page;
  page.size = default_limit;
  auto token = GetString(input, token_key, "");
  if (!token.ok()) return AwsError{400, "InvalidParameterException", token.error().message};
  if (*token && !(*token)->empty()) {
    auto off = DecodePageToken(**token);
    if (!off) return AwsError{400, "InvalidParameterException", "Invalid " + std::string(token_key)};
    page.offset = *off;
  }
  auto limit = GetInt(input, limit_key, "");
  if (!limit.ok()) return AwsError{400, "InvalidParameterException", limit.error().message};
  if (*limit) {
    if (**limit < 1 || static_cast<size_t>(**limit) > max_limit)
      return AwsError{400, "InvalidParameterException",
                      fmt::format("{} must be between 1 and {}", limit_key, max_limit)};
    page.size = static_cast<size_t>(**limit);
  }
  return page;
}

}  // namespace gantry::aws
