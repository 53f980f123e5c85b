// HealthChecker: runs the containers' health checks (ECS healthCheck with Docker's semantics) on
// worker threads of its own, independent of the agent's loop, and reports status transitions.
// The rules live in the pure Apply(); TaskHealth() derives a task's healthStatus as ECS does.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "model/task_definition.h"
#include "runtime/runtime.h"

namespace gantry::agent {

enum class HealthStatus { kUnknown, kHealthy, kUnhealthy };
// "UNKNOWN" | "HEALTHY" | "UNHEALTHY" (model::health_status).
const char* ToString(HealthStatus s);

// What to probe and when. Any durations are accepted here (tests use sub-second ones); ECS's
// ranges are enforced by the model when a task definition is registered.
struct ProbeConfig {
  std::vector<std::string> argv;  // run in the container as is (CMD-SHELL: /bin/sh -c cmd)
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds start_period{0};
  int retries = 3;
};
ProbeConfig ProbeConfigFrom(const model::HealthCheck& hc);

// One probe's result.
struct ProbeOutcome {
  int64_t started_ms = 0;  // Clock::NowMs() when the probe started
  int exit_code = -1;
  bool timed_out = false;
  std::string output;
  bool Passed() const { return !timed_out && exit_code == 0; }
};

// What the rules need besides the outcome.
struct HealthPolicy {
  int retries = 3;
  std::chrono::milliseconds start_period{0};
  int64_t container_started_ms = 0;
};

struct HealthState {
  HealthStatus status = HealthStatus::kUnknown;
  int failing_streak = 0;  // consecutive failures that counted
  int64_t last_probe_ms = 0;
  int last_exit_code = -1;
  bool last_timed_out = false;
  std::string last_output;
};

// Docker's rules (daemon/health.go): a pass makes the container HEALTHY and resets the streak;
// a failure (non-zero exit or timeout) while the container never passed (UNKNOWN, Docker's
// "starting") and started less than start_period before the probe began does not count;
// otherwise it extends the streak, and `retries` consecutive failures make it UNHEALTHY.
HealthState Apply(HealthState state, const ProbeOutcome& outcome, const HealthPolicy& policy,
                  int64_t now_ms);

struct ContainerHealthInput {
  bool essential = true;
  bool has_health_check = false;
  std::string health_status;  // model::health_status
};
// A task's healthStatus as ECS derives it from its essential containers that have a health
// check: any UNHEALTHY -> UNHEALTHY; all HEALTHY -> HEALTHY; otherwise (or none) -> UNKNOWN.
std::string TaskHealth(const std::vector<ContainerHealthInput>& containers);

struct HealthChange {
  std::string task_id;
  std::string container;
  HealthStatus from = HealthStatus::kUnknown;
  HealthStatus to = HealthStatus::kUnknown;
  int64_t at_ms = 0;
  // The probe that caused the change, for logs and reasons.
  int exit_code = -1;
  bool timed_out = false;
  std::string output;
};

class HealthChecker {
 public:
  // Starts `workers` threads (at least one); probes due at the same time wait for a free one.
  HealthChecker(runtime::Runtime& runtime, const Clock& clock, int workers);
  // Stops the workers; waits for probes in flight (each bounded by its timeout).
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts probing a running container: the first probe `interval` after `started_at_ms` (at
  // once if that has passed), each next one `interval` after the previous one ended; probes
  // of one container never overlap. A no-op when the container is already watched.
  void Watch(const std::string& task_id, const std::string& task_dir, const std::string& container,
             ProbeConfig config, int64_t started_at_ms);
  // Stops probing the task's containers and drops their state and pending changes. Does not
  // wait: a probe in flight finishes (at most its timeout) and its result is discarded.
  void Forget(const std::string& task_id);
  // Status transitions since the last call, in the order they happened.
  std::vector<HealthChange> TakeChanges();
  // kUnknown when the container is not watched.
  HealthStatus Status(const std::string& task_id, const std::string& container) const;

 private:
  using Key = std::pair<std::string, std::string>;  // task id, container
  struct Entry {
    std::string task_dir;
    ProbeConfig config;
    HealthPolicy policy;
    HealthState state;
    int64_t due_ms = 0;
    bool in_flight = false;
    uint64_t generation = 0;  // tells a re-watched container from the one a probe started on
  };

  void WorkerLoop();

  runtime::Runtime& runtime_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Entry> entries_;
  std::vector<HealthChange> changes_;
  uint64_t next_generation_ = 1;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace gantry::agent
