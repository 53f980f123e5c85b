// FakeClock: a Clock a test sets by hand. Wall time in ms; the steady clock follows it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace gantry::testing {

class FakeClock : public Clock {
 public:
  int64_t NowMs() const override { return now; }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now));
  }
  std::atomic<int64_t> now{1'700'000'000'000};
};

}  // namespace gantry::testing
