#include "cli/duration.h"

#include <cstdint>

namespace gantry::cli {

namespace {

// Largest accepted duration: 10 years keeps every sum far from int64 overflow.
constexpr int64_t kMaxMs = int64_t{10} * 365 * 24 * 3600 * 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid duration '{}' (expected e.g. 30s, 5m, 1h30m, 2d)", text);
  };
  if (text.empty()) return bad();

  // A bare integer is seconds.
  bool all_digits = true;
  for (char c : text) all_digits = all_digits && IsDigit(c);
  if (all_digits) {
    if (text.size() > 12) return bad();
    int64_t n = 0;
    for (char c : text) n = n * 10 + (c - '0');
    return std::chrono::milliseconds(n * 1000);
  }

  int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    // Number: digits with an optional fraction ("1.5h").
    size_t start = i;
    int64_t whole = 0;
    while (i < text.size() && IsDigit(text[i])) {
      if (i - start >= 12) return bad();
      whole = whole * 10 + (text[i] - '0');
      ++i;
    }
    double frac = 0, scale = 0.1;
    bool had_digits = i > start;
    if (i < text.size() && text[i] == '.') {
      ++i;
      size_t fstart = i;
      while (i < text.size() && IsDigit(text[i])) {
        frac += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      had_digits = had_digits || i > fstart;
    }
    if (!had_digits) return bad();

    size_t ustart = i;
    while (i < text.size() && !IsDigit(text[i]) && text[i] != '.') ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    int64_t unit_ms;
    if (unit == "ms")
      unit_ms = 1;
    else if (unit == "s")
      unit_ms = 1000;
    else if (unit == "m")
      unit_ms = 60'000;
    else if (unit == "h")
      unit_ms = 3'600'000;
    else if (unit == "d")
      unit_ms = 86'400'000;
    else
      return bad();

    if (whole > kMaxMs / unit_ms) return bad();
    total_ms += whole * unit_ms + static_cast<int64_t>(frac * static_cast<double>(unit_ms));
    if (total_ms > kMaxMs) return bad();
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace gantry::cli
