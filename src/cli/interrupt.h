// Ctrl-C handling for the CLI: erase a spinner line, print an optional note (e.g. that the task
// keeps running), exit 130. Everything the handler touches is prepared ahead and signal-safe.
#pragma once

#include <string_view>

namespace gantry::cli {

void InstallInterruptHandler();

// Sets (or with "" clears) the line printed to stderr on Ctrl-C. Not thread-safe against
// concurrent callers; the CLI calls it from its main thread only.
void SetInterruptNote(std::string_view note);

}  // namespace gantry::cli
