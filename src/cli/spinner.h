// Spinner: a one-line status ("⠋ 0f3c1a2b3c4d PENDING") redrawn on stderr by its own thread while
// `run --wait` polls. Output written through Write() clears the line first so logs and status
// never interleave. Disabled (a pass-through) when stderr is not a terminal.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace gantry::cli {

class Spinner {
 public:
  explicit Spinner(bool enabled);
  ~Spinner();  // Stop()
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

  void SetStatus(std::string status);
  // Writes `text` to `out` (stdout or stderr) and flushes it, with the status line out of the way.
  void Write(std::FILE* out, std::string_view text);
  // Stops the thread and erases the status line; idempotent.
  void Stop();

  // SIGINT handler support: erases the status line if one is drawn (async-signal-safe).
  static void EraseFromSignalHandler();

 private:
  void Loop();
  void DrawLocked();
  void EraseLocked();

  const bool enabled_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool drawn_ = false;
  size_t frame_ = 0;
  std::string status_;
  std::thread thread_;  // last: started after every member it reads
};

}  // namespace gantry::cli
