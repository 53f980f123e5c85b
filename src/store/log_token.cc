#include "store/log_token.h"

#include <fmt/format.h>

#include <charconv>

namespace gantry::store {

namespace {

bool ParseInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string EncodeLogToken(const LogToken& token) {
  return fmt::format("{}/{}/{}", token.direction == LogToken::Direction::kForward ? 'f' : 'b',
                     token.position.timestamp_ms, token.position.id);
}

Result<LogToken> DecodeLogToken(std::string_view text) {
  auto bad = [&] { return MakeError(ErrorCode::kInvalidArgument, "invalid log token '{}'", text); };
  if (text.size() < 5 || (text[0] != 'f' && text[0] != 'b') || text[1] != '/') return bad();
  std::string_view rest = text.substr(2);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad();
  LogToken token;
  token.direction = text[0] == 'f' ? LogToken::Direction::kForward : LogToken::Direction::kBackward;
  if (!ParseInt(rest.substr(0, slash), token.position.timestamp_ms) ||
      !ParseInt(rest.substr(slash + 1), token.position.id)) {
    return bad();
  }
  return token;
}

}  // namespace gantry::store
