// PrettyJson: indented JSON for `inspect` and `--output json` (Boost.JSON 1.81 only serializes
// compactly).
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace gantry::cli {

// Two-space indent, keys in their stored order, ends without a newline.
std::string PrettyJson(const boost::json::value& v);

}  // namespace gantry::cli
