#include "store/log_pattern.h"

namespace gantry::store {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

Result<LogPattern> LogPattern::Parse(std::string_view pattern) {
  LogPattern out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (IsSpace(pattern[i])) {
      ++i;
      continue;
    }
    if (pattern[i] == '"') {
      size_t close = pattern.find('"', i + 1);
      if (close == std::string_view::npos) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "filter pattern '{}': unterminated quote at offset {}", pattern, i);
      }
      std::string_view phrase = pattern.substr(i + 1, close - i - 1);
      if (!phrase.empty()) out.terms_.emplace_back(phrase);
      i = close + 1;
      continue;
    }
    size_t end = i;
    while (end < pattern.size() && !IsSpace(pattern[end]) && pattern[end] != '"') ++end;
    out.terms_.emplace_back(pattern.substr(i, end - i));
    i = end;
  }
  return out;
}

bool LogPattern::Matches(std::string_view message) const {
  for (const std::string& term : terms_) {
    if (message.find(term) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace gantry::store
