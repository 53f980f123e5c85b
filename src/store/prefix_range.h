// Prefix scans as key ranges: every string starting with P sorts in [P, PrefixUpperBound(P)) in
// byte order, which SQL engines serve from an ordinary index (LIKE 'P%' would not, in general).
#pragma once

#include <optional>
#include <string>

namespace gantry::store {

// The smallest string greater than every string starting with `prefix`; nullopt when there is
// none (empty prefix, or only 0xff bytes).
inline std::optional<std::string> PrefixUpperBound(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

}  // namespace gantry::store
