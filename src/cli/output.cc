// Shared output helpers for commands (see commands.h).
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/json_pretty.h"

namespace gantry::cli {

void PrintJson(const boost::json::value& v) {
  std::string text = PrettyJson(v);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintError(std::string_view message) {
  std::string line = fmt::format("gantry: {}", message);
  // One line per error, whatever the message contains.
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  line += '\n';
  std::fflush(stdout);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace gantry::cli
