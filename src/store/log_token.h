// Log paging tokens: an opaque string naming a position in a stream's (timestamp, id) order and
// the direction to continue in. "f/<ts>/<id>": events after the position; "b/<ts>/<id>": events
// before it. Shared by every LogStore implementation so tokens survive a backend switch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::store {

struct LogPosition {
  int64_t timestamp_ms = 0;
  int64_t id = 0;
};

struct LogToken {
  enum class Direction { kForward, kBackward } direction = Direction::kForward;
  LogPosition position;  // exclusive bound
};

std::string EncodeLogToken(const LogToken& token);
// kInvalidArgument for anything EncodeLogToken did not produce.
Result<LogToken> DecodeLogToken(std::string_view text);

}  // namespace gantry::store
