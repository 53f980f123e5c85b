// Container log files: the shim's line splitter and formatter ("<unix_ms> stdout|stderr <text>\n",
// lines capped at 16 KiB) and the reader behind ReadLogLines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::runtime {

inline constexpr size_t kMaxLogLine = 16 * 1024;

// Turns a byte stream into formatted log lines. Partial lines stay buffered until a newline,
// the 16 KiB cap, or Flush (stream end).
class LineSplitter {
 public:
  explicit LineSplitter(bool is_stderr) : is_stderr_(is_stderr) {}
  // Appends formatted complete lines to `out`.
  void Feed(std::string_view data, int64_t now_ms, std::string& out);
  void Flush(int64_t now_ms, std::string& out);

 private:
  void Emit(std::string_view text, int64_t now_ms, std::string& out) const;
  bool is_stderr_;
  std::string partial_;
};

}  // namespace gantry::runtime
