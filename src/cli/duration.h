// ParseDuration: "--since" style durations ("90s", "5m", "1h30m", "250ms", "2d"; a bare number is
// seconds).
#pragma once

#include <chrono>
#include <string_view>

#include "common/result.h"

namespace gantry::cli {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace gantry::cli
