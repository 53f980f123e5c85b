// Time source, injected so controllers and tests never depend on the wall clock directly.
#pragma once

#include <chrono>
#include <cstdint>

namespace gantry {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
  // A steady clock for timeouts and durations.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
  static const SystemClock& Instance() {
    static SystemClock c;
    return c;
  }
};

}  // namespace gantry
