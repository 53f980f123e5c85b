// LogPattern: CloudWatch Logs' simplest filter syntax. Whitespace-separated terms, all of which
// must appear in the message (case-sensitive substrings); "a quoted phrase" is one term. The empty
// pattern matches everything. Pure: no storage, usable by every LogStore implementation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gantry::store {

class LogPattern {
 public:
  // kInvalidArgument for an unterminated quote.
  static Result<LogPattern> Parse(std::string_view pattern);

  bool Matches(std::string_view message) const;
  bool MatchesEverything() const { return terms_.empty(); }
  const std::vector<std::string>& terms() const { return terms_; }

 private:
  std::vector<std::string> terms_;
};

}  // namespace gantry::store
