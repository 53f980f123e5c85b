#include "cli/humanize.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace gantry::cli {

std::string FormatAgo(int64_t now_ms, int64_t then_ms) {
  int64_t s = (now_ms - then_ms) / 1000;
  if (s < 1) return "just now";
  if (s < 60) return fmt::format("{}s ago", s);
  if (s < 3600) return fmt::format("{}m ago", s / 60);
  if (s < 48 * 3600) return fmt::format("{}h ago", s / 3600);
  return fmt::format("{}d ago", s / 86400);
}

std::string HumanSize(uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"B", "kB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) return fmt::format("{}B", bytes);
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 999.5 && unit + 1 < kUnits.size()) {
    v /= 1000.0;
    ++unit;
  }
  // Three significant digits, trailing zeros dropped ("4.26MB", "17.1MB", "512MB", "1GB").
  int decimals = v < 9.995 ? 2 : (v < 99.95 ? 1 : 0);
  std::string num = fmt::format("{:.{}f}", v, decimals);
  if (num.find('.') != std::string::npos) {
    while (num.back() == '0') num.pop_back();
    if (num.back() == '.') num.pop_back();
  }
  return num + kUnits[unit];
}

std::string ShortDigest(std::string_view digest) {
  if (auto colon = digest.find(':'); colon != std::string_view::npos)
    digest.remove_prefix(colon + 1);
  return std::string(digest.substr(0, 12));
}

int64_t EpochSecondsToMs(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1000.0));
}

}  // namespace gantry::cli
