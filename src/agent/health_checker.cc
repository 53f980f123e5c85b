#include "agent/health_checker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "model/task.h"

namespace gantry::agent {

const char* ToString(HealthStatus s) {
  switch (s) {
    case HealthStatus::kHealthy:
      return model::health_status::kHealthy;
    case HealthStatus::kUnhealthy:
      return model::health_status::kUnhealthy;
    case HealthStatus::kUnknown:
      break;
  }
  return model::health_status::kUnknown;
}

ProbeConfig ProbeConfigFrom(const model::HealthCheck& hc) {
  return ProbeConfig{.argv = hc.Argv(),
                     .interval = std::chrono::seconds(hc.interval_s),
                     .timeout = std::chrono::seconds(hc.timeout_s),
                     .start_period = std::chrono::seconds(hc.start_period_s),
                     .retries = hc.retries};
}

HealthState Apply(HealthState state, const ProbeOutcome& outcome, const HealthPolicy& policy,
                  int64_t now_ms) {
  state.last_probe_ms = now_ms;
  state.last_exit_code = outcome.exit_code;
  state.last_timed_out = outcome.timed_out;
  state.last_output = outcome.output;
  if (outcome.Passed()) {
    state.failing_streak = 0;
    state.status = HealthStatus::kHealthy;
    return state;
  }
  if (state.status == HealthStatus::kUnknown &&
      outcome.started_ms - policy.container_started_ms < policy.start_period.count())
    return state;
  ++state.failing_streak;
  if (state.failing_streak >= std::max(1, policy.retries)) state.status = HealthStatus::kUnhealthy;
  return state;
}

std::string TaskHealth(const std::vector<ContainerHealthInput>& containers) {
  bool any = false;
  bool all_healthy = true;
  for (const auto& c : containers) {
    if (!c.essential || !c.has_health_check) continue;
    any = true;
    if (c.health_status == model::health_status::kUnhealthy)
      return model::health_status::kUnhealthy;
    if (c.health_status != model::health_status::kHealthy) all_healthy = false;
  }
  return any && all_healthy ? model::health_status::kHealthy : model::health_status::kUnknown;
}

HealthChecker::HealthChecker(runtime::Runtime& runtime, const Clock& clock, int workers)
    : runtime_(runtime), clock_(clock) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

HealthChecker::~HealthChecker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void HealthChecker::Watch(const std::string& task_id, const std::string& task_dir,
                          const std::string& container, ProbeConfig config, int64_t started_at_ms) {
  {
    std::lock_guard lock(mu_);
    Key key{task_id, container};
    if (entries_.count(key)) return;
    Entry e;
    e.task_dir = task_dir;
    e.policy = HealthPolicy{.retries = config.retries,
                            .start_period = config.start_period,
                            .container_started_ms = started_at_ms};
    e.due_ms = std::max(clock_.NowMs(), started_at_ms + config.interval.count());
    e.config = std::move(config);
    e.generation = next_generation_++;
    entries_.emplace(std::move(key), std::move(e));
  }
  cv_.notify_all();
}

void HealthChecker::Forget(const std::string& task_id) {
  std::lock_guard lock(mu_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.first.first == task_id; });
  std::erase_if(changes_, [&](const HealthChange& c) { return c.task_id == task_id; });
}

std::vector<HealthChange> HealthChecker::TakeChanges() {
  std::lock_guard lock(mu_);
  return std::exchange(changes_, {});
}

HealthStatus HealthChecker::Status(const std::string& task_id, const std::string& container) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key{task_id, container});
  return it == entries_.end() ? HealthStatus::kUnknown : it->second.state.status;
}

void HealthChecker::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto next = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second.in_flight &&
          (next == entries_.end() || it->second.due_ms < next->second.due_ms))
        next = it;
    }
    if (next == entries_.end()) {
      cv_.wait(lock);
      continue;
    }
    const int64_t now = clock_.NowMs();
    if (next->second.due_ms > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(next->second.due_ms - now));
      continue;
    }
    Entry& e = next->second;
    e.in_flight = true;
    const Key key = next->first;
    const uint64_t generation = e.generation;
    const std::string task_dir = e.task_dir;
    const ProbeConfig config = e.config;
    lock.unlock();

    ProbeOutcome outcome{.started_ms = clock_.NowMs()};
    auto r = runtime_.Exec(task_dir, key.second, config.argv, config.timeout);
    bool counts = true;
    if (r.ok()) {
      outcome.exit_code = r->exit_code;
      outcome.timed_out = r->timed_out;
      outcome.output = std::move(r->output);
      if (outcome.timed_out) {
        if (!outcome.output.empty() && outcome.output.back() != '\n') outcome.output += '\n';
        outcome.output +=
            fmt::format("Health check exceeded timeout ({} ms)", config.timeout.count());
      }
    } else if (r.error().code == ErrorCode::kFailedPrecondition ||
               r.error().code == ErrorCode::kNotFound) {
      counts = false;  // not running (yet, or any more): no verdict; the agent sees the exit
    } else {
      outcome.output = r.error().message;  // could not run the check at all: a failure (Docker)
    }
    if (counts && !outcome.Passed())
      spdlog::debug("health: task {} container {}: probe failed (exit {}{}): {}", key.first,
                    key.second, outcome.exit_code, outcome.timed_out ? ", timed out" : "",
                    outcome.output);

    lock.lock();
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.generation != generation) continue;  // forgotten
    Entry& cur = it->second;
    cur.in_flight = false;
    const int64_t done = clock_.NowMs();
    if (counts) {
      const HealthStatus before = cur.state.status;
      cur.state = Apply(std::move(cur.state), outcome, cur.policy, done);
      if (cur.state.status != before) {
        changes_.push_back(HealthChange{.task_id = key.first,
                                        .container = key.second,
                                        .from = before,
                                        .to = cur.state.status,
                                        .at_ms = done,
                                        .exit_code = outcome.exit_code,
                                        .timed_out = outcome.timed_out,
                                        .output = outcome.output});
      }
    }
    cur.due_ms = done + cur.config.interval.count();
    cv_.notify_all();  // the next due probe may now be this one's, or a waiter's deadline moved
  }
}

}  // namespace gantry::agent
