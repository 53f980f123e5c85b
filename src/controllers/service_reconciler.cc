#include "controllers/service_reconciler.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace gantry::controllers {

namespace ds = model::deployment_status;
namespace rs = model::rollout_state;
using model::Deployment;
using model::Service;
using model::Task;

int CircuitBreakerThreshold(int desired_count) {
  int half = (desired_count + 1) / 2;  // ceil(0.5 x desired)
  return std::min(std::max(3, half), 200);
}

int64_t BackoffDelayMs(int n, const ReconcilePolicy& p) {
  if (n <= 1) return 0;
  int64_t d = p.backoff_base_ms;
  for (int i = 2; i < n && d < p.backoff_max_ms; ++i) d *= 2;
  return std::min(d, p.backoff_max_ms);
}

namespace {

std::string TaskList(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += " ";
    out += "(task " + id + ")";
  }
  return out;
}

}  // namespace

std::string StartedTasksEvent(const std::string& service, const std::vector<std::string>& ids) {
  return fmt::format("(service {}) has started {} tasks: {}.", service, ids.size(), TaskList(ids));
}

std::string StoppedTasksEvent(const std::string& service, const std::vector<std::string>& ids) {
  return fmt::format("(service {}) has stopped {} running tasks: {}.", service, ids.size(),
                     TaskList(ids));
}

std::string SteadyStateEvent(const std::string& service) {
  return fmt::format("(service {}) has reached a steady state.", service);
}

std::string UnableToStartEvent(const std::string& service, const std::string& why) {
  return fmt::format("(service {}) was unable to start tasks: {}", service, why);
}

namespace {

constexpr const char* kUnhealthyReason = "Task failed container health checks";

bool IsRunningStatus(const Task& t) { return t.last_status == model::status::kRunning; }

// Still meant to run: neither stopping nor asked to stop.
bool IsLive(const Task& t) {
  return t.desired_status == "RUNNING" &&
         model::StatusRank(t.last_status) < model::StatusRank(model::status::kStopping);
}

// Still holds resources (counts against maximumPercent): containers not yet torn down.
bool IsOccupying(const Task& t) {
  return !t.IsStopped() &&
         model::StatusRank(t.last_status) < model::StatusRank(model::status::kDeprovisioning);
}

// A task that went away on its own: failed to start, its essential container exited, or it was
// stopped for failing health checks by whoever runs them.
bool IsFailureStop(const Task& t) {
  if (IsLive(t)) return false;
  return t.stop_code == model::stop_code::kTaskFailedToStart ||
         t.stop_code == model::stop_code::kEssentialContainerExited;
}

std::string ScalingReason(const std::string& deployment_id) {
  return "Scaling activity initiated by (deployment " + deployment_id + ")";
}

struct Reconciler {
  const ReconcileInput& in;
  ReconcileResult& out;
  Service& s;
  const int64_t now;
  const ReconcilePolicy& pol;

  std::set<std::string> stopping;  // chosen this pass
  std::vector<std::string> stopped_event_ids;
  std::vector<std::string> drain_event_ids;

  void Wake(int64_t at) {
    if (at <= now) return;
    if (out.wake_at_ms == 0 || at < out.wake_at_ms) out.wake_at_ms = at;
  }

  bool HealthChecked(const Task& t) const {
    auto it = in.health_checked.find(t.task_definition_arn);
    return it != in.health_checked.end() && it->second;
  }

  // Counts toward minimumHealthyPercent and may replace an old task.
  bool Healthy(const Task& t) {
    if (!IsLive(t) || t.draining_at_ms || stopping.count(t.id) || !IsRunningStatus(t)) return false;
    if (HealthChecked(t)) return t.health_status == "HEALTHY";
    if (t.health_status == "UNHEALTHY") return false;
    if (t.started_at_ms && now - t.started_at_ms < pol.min_running_ms) {
      Wake(t.started_at_ms + pol.min_running_ms);
      return false;
    }
    return true;
  }

  // Live and not on its way out.
  bool InService(const Task& t) const {
    return IsLive(t) && !t.draining_at_ms && !stopping.count(t.id);
  }

  Deployment* DeploymentOf(const Task& t) { return s.FindDeployment(t.started_by); }

  void CountFailure(const Task& t) {
    s.scheduler.counted_failures.push_back(t.id);
    Deployment* d = DeploymentOf(t);
    if (d && d->rollout_state == rs::kInProgress) d->failed_tasks++;
    s.scheduler.consecutive_failures++;
    s.scheduler.last_failure_at_ms = now;
  }

  // Drains, and stops when the drain delay allows (now, or a later pass).
  void Retire(const Task& t, const std::string& reason) {
    if (stopping.count(t.id)) return;
    stopping.insert(t.id);
    if (!t.draining_at_ms) {
      out.drain.push_back(t.id);
      drain_event_ids.push_back(t.id);
      if (pol.drain_delay_ms > 0) {
        Wake(now + pol.drain_delay_ms);
        return;
      }
    } else if (now < t.draining_at_ms + pol.drain_delay_ms) {
      Wake(t.draining_at_ms + pol.drain_delay_ms);
      return;
    }
    out.stops.push_back({t.id, reason});
    stopped_event_ids.push_back(t.id);
  }

  void AccountFailures() {
    std::set<std::string> counted(s.scheduler.counted_failures.begin(),
                                  s.scheduler.counted_failures.end());
    int before = s.scheduler.consecutive_failures;
    for (const Task& t : in.tasks) {
      if (IsFailureStop(t) && !counted.count(t.id)) {
        CountFailure(t);
        counted.insert(t.id);
      }
    }
    // Unhealthy tasks past the grace period are replaced, and count as failures.
    int64_t grace_ms = int64_t{s.health_check_grace_period_s} * 1000;
    std::string primary_id = s.Primary() ? s.Primary()->id : "";
    for (const Task& t : in.tasks) {
      if (!IsLive(t) || t.health_status != "UNHEALTHY" || stopping.count(t.id)) continue;
      int64_t since = t.started_at_ms ? t.started_at_ms : t.created_at_ms;
      if (now < since + grace_ms) {
        Wake(since + grace_ms);
        continue;
      }
      out.events.push_back(
          fmt::format("(service {}) (task {}) failed container health checks.", s.name, t.id));
      if (!counted.count(t.id)) {
        CountFailure(t);
        counted.insert(t.id);
      }
      Retire(t, kUnhealthyReason);
    }
    if (s.scheduler.consecutive_failures > before) {
      int64_t delay = BackoffDelayMs(s.scheduler.consecutive_failures, pol);
      s.scheduler.next_launch_at_ms = now + delay;
      if (delay > 0 && BackoffDelayMs(before, pol) == 0)
        out.events.push_back(fmt::format(
            "(service {}) is unable to consistently start tasks successfully.", s.name));
    }
    // Forget failures whose tasks are gone (stopped tasks are collected after an hour).
    std::set<std::string> present;
    for (const Task& t : in.tasks) present.insert(t.id);
    auto& cf = s.scheduler.counted_failures;
    cf.erase(std::remove_if(cf.begin(), cf.end(),
                            [&](const std::string& id) { return !present.count(id); }),
             cf.end());
    if (cf.size() > 500) cf.erase(cf.begin(), cf.end() - 500);
    // A task that has run steadily since the last failure ends the streak.
    if (s.scheduler.consecutive_failures > 0) {
      for (const Task& t : in.tasks) {
        if (!IsLive(t) || !IsRunningStatus(t) || !t.started_at_ms) continue;
        int64_t since = std::max(t.started_at_ms, s.scheduler.last_failure_at_ms);
        if (now - since >= pol.stable_reset_ms) {
          s.scheduler.consecutive_failures = 0;
          s.scheduler.next_launch_at_ms = 0;
          break;
        }
        Wake(since + pol.stable_reset_ms);
      }
    }
  }

  void CircuitBreaker() {
    Deployment* p = s.Primary();
    const auto& cb = s.deployment_configuration.circuit_breaker;
    if (!p || !cb.enable || p->rollout_state != rs::kInProgress) return;
    if (p->failed_tasks < CircuitBreakerThreshold(s.desired_count)) return;
    p->rollout_state = rs::kFailed;
    p->rollout_state_reason = "ECS deployment circuit breaker: tasks failed to start.";
    out.events.push_back(fmt::format("(service {}) (deployment {}) deployment failed: tasks failed "
                                     "to start.",
                                     s.name, p->id));
    if (!cb.rollback) return;
    Deployment* target = nullptr;
    for (auto& d : s.deployments) {
      if (&d == p || d.rollout_state != rs::kCompleted) continue;
      if (!target || d.created_at_ms > target->created_at_ms) target = &d;
    }
    if (!target) {
      p->rollout_state_reason += " No COMPLETED deployment to roll back to.";
      return;
    }
    p->status = ds::kActive;
    target->status = ds::kPrimary;
    target->rollout_state = rs::kInProgress;
    target->rollout_state_reason =
        "ECS deployment circuit breaker: rolling back to deploymentId " + target->id + ".";
    target->desired_count = s.desired_count;
    s.task_definition = target->task_definition;
    s.scheduler.consecutive_failures = 0;
    s.scheduler.next_launch_at_ms = 0;
    out.events.push_back(fmt::format("(service {}) (deployment {}) rolling back to deployment {}.",
                                     s.name, p->id, target->id));
  }

  void Run() {
    if (s.status == model::service_status::kInactive) return;
    AccountFailures();
    if (s.status == model::service_status::kActive) CircuitBreaker();

    const bool active = s.status == model::service_status::kActive;
    const int desired = active ? s.desired_count : 0;
    const auto& dc = s.deployment_configuration;
    const int min_healthy = (desired * dc.minimum_healthy_percent + 99) / 100;
    const int max_tasks = desired * dc.maximum_percent / 100;
    Deployment* p = s.Primary();
    const std::string primary_id = p ? p->id : "";
    const std::string reason = ScalingReason(primary_id.empty() ? "none" : primary_id);

    // Draining tasks from an earlier pass: stop them once the drain delay has passed.
    for (const Task& t : in.tasks) {
      if (IsLive(t) && t.draining_at_ms) Retire(t, reason);
    }

    std::vector<const Task*> primary_tasks, old_tasks;
    for (const Task& t : in.tasks) {
      if (!InService(t)) continue;
      if (p && t.started_by == p->id) primary_tasks.push_back(&t);
      else old_tasks.push_back(&t);
    }
    int healthy_total = 0;
    for (const Task* t : primary_tasks) healthy_total += Healthy(*t);
    for (const Task* t : old_tasks) healthy_total += Healthy(*t);

    // Scale in the primary: tasks not yet healthy first, then the most recently started.
    if (static_cast<int>(primary_tasks.size()) > desired) {
      std::vector<const Task*> order = primary_tasks;
      std::stable_sort(order.begin(), order.end(), [&](const Task* a, const Task* b) {
        bool ha = Healthy(*a), hb = Healthy(*b);
        if (ha != hb) return !ha;
        if (a->started_at_ms != b->started_at_ms) return a->started_at_ms > b->started_at_ms;
        return a->id < b->id;
      });
      int excess = static_cast<int>(primary_tasks.size()) - desired;
      for (int i = 0; i < excess; ++i) {
        healthy_total -= Healthy(*order[i]);
        Retire(*order[i], reason);
      }
    }

    // Replace old deployments' tasks. Those not healthy go at once; healthy ones only while
    // minimumHealthyPercent holds. A FAILED primary (no rollback) keeps the old tasks serving.
    bool primary_failed = p && p->rollout_state == rs::kFailed;
    if (!primary_failed || !active) {
      // Oldest deployment first; tasks without a known deployment before all.
      auto rank = [&](const Task* t) -> int64_t {
        const Deployment* d = s.FindDeployment(t->started_by);
        return d ? d->created_at_ms : INT64_MIN;
      };
      std::vector<const Task*> order = old_tasks;
      std::stable_sort(order.begin(), order.end(), [&](const Task* a, const Task* b) {
        bool ha = Healthy(*a), hb = Healthy(*b);
        if (ha != hb) return !ha;
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        if (a->started_at_ms != b->started_at_ms) return a->started_at_ms < b->started_at_ms;
        return a->id < b->id;
      });
      for (const Task* t : order) {
        if (Healthy(*t)) {
          if (healthy_total - 1 < min_healthy) break;
          healthy_total--;
        }
        Retire(*t, reason);
      }
    }

    // Start primary tasks up to desiredCount, within maximumPercent, unless backing off.
    int primary_live = 0;
    for (const Task* t : primary_tasks) primary_live += !stopping.count(t->id);
    if (active && p && !primary_failed && primary_live < desired) {
      int occupying = 0;
      for (const Task& t : in.tasks) occupying += IsOccupying(t);
      int room = max_tasks - occupying;
      int n = std::min(desired - primary_live, std::max(room, 0));
      if (n > 0 && now < s.scheduler.next_launch_at_ms) {
        Wake(s.scheduler.next_launch_at_ms);
        n = 0;
      }
      if (n > 0) out.starts.push_back({p->id, n});
    }

    // Counts, exact from the tasks.
    int running = 0, pending = 0;
    std::map<std::string, std::pair<int, int>> per;  // deployment -> (running, pending)
    std::map<std::string, int> remaining;             // deployment -> occupying tasks left
    std::map<std::string, int> live_left;             // deployment -> live tasks not retired
    for (const Task& t : in.tasks) {
      if (IsOccupying(t)) remaining[t.started_by]++;
      if (IsLive(t) && !stopping.count(t.id)) live_left[t.started_by]++;
      if (!IsLive(t)) continue;
      if (IsRunningStatus(t)) {
        running++;
        per[t.started_by].first++;
      } else {
        pending++;
        per[t.started_by].second++;
      }
    }
    s.running_count = running;
    s.pending_count = pending;
    int old_occupying = 0;
    for (const auto& [dep, n] : remaining) {
      if (dep != primary_id) old_occupying += n;
    }
    auto get = [](const std::map<std::string, int>& m, const std::string& k) {
      auto it = m.find(k);
      return it == m.end() ? 0 : it->second;
    };
    for (auto& d : s.deployments) {
      auto it = per.find(d.id);
      d.running_count = it == per.end() ? 0 : it->second.first;
      d.pending_count = it == per.end() ? 0 : it->second.second;
      if (d.status == ds::kPrimary) d.desired_count = desired;
      else if (d.status == ds::kActive) d.desired_count = get(live_left, d.id);
    }
    int primary_healthy = 0;
    for (const Task* t : primary_tasks) primary_healthy += Healthy(*t);

    // Deployment transitions.
    for (auto& d : s.deployments) {
      if (d.status == ds::kActive && get(remaining, d.id) == 0) {
        d.status = ds::kInactive;
        d.desired_count = 0;
      }
    }
    bool settled = p && out.starts.empty() && out.stops.empty() && out.drain.empty() &&
                   primary_live == desired && primary_healthy == desired && old_occupying == 0 &&
                   (per.count(primary_id) ? per[primary_id].second : 0) == 0;
    if (active && settled && p->rollout_state == rs::kInProgress) {
      p->rollout_state = rs::kCompleted;
      p->rollout_state_reason = "ECS deployment " + p->id + " completed.";
      out.events.push_back(
          fmt::format("(service {}) (deployment {}) deployment completed.", s.name, p->id));
    }
    if (!active && remaining.empty()) {
      s.status = model::service_status::kInactive;
      for (auto& d : s.deployments) d.status = ds::kInactive;
      out.events.push_back(fmt::format("(service {}) has been deleted.", s.name));
    }

    // Events for what this pass does.
    if (!drain_event_ids.empty() && pol.drain_delay_ms > 0)
      out.events.push_back(fmt::format("(service {}) has begun draining connections on {} tasks.",
                                       s.name, drain_event_ids.size()));
    if (!stopped_event_ids.empty()) out.events.push_back(StoppedTasksEvent(s.name, stopped_event_ids));
    if (!settled) {
      s.scheduler.steady = false;
    } else if (active && !s.scheduler.steady && p->rollout_state == rs::kCompleted) {
      s.scheduler.steady = true;
      out.events.push_back(SteadyStateEvent(s.name));
    }
  }
};

// PRIMARY first, then ACTIVE, then INACTIVE, newest first within each; only the latest
// kMaxInactiveDeployments INACTIVE ones are kept (history for rollbacks and clients).
void OrderDeployments(Service& s) {
  auto rank = [](const Deployment& d) {
    if (d.status == ds::kPrimary) return 0;
    if (d.status == ds::kActive) return 1;
    return 2;
  };
  std::stable_sort(s.deployments.begin(), s.deployments.end(),
                   [&](const Deployment& a, const Deployment& b) {
                     if (rank(a) != rank(b)) return rank(a) < rank(b);
                     return a.created_at_ms > b.created_at_ms;
                   });
  size_t inactive = 0;
  std::vector<Deployment> kept;
  for (auto& d : s.deployments) {
    if (rank(d) == 2 && ++inactive > model::kMaxInactiveDeployments) continue;
    kept.push_back(std::move(d));
  }
  s.deployments = std::move(kept);
}

bool SameDeployment(const Deployment& a, const Deployment& b) {
  return a.id == b.id && a.status == b.status && a.task_definition == b.task_definition &&
         a.desired_count == b.desired_count && a.pending_count == b.pending_count &&
         a.running_count == b.running_count && a.failed_tasks == b.failed_tasks &&
         a.rollout_state == b.rollout_state && a.rollout_state_reason == b.rollout_state_reason;
}

}  // namespace

ReconcileResult Reconcile(const ReconcileInput& in) {
  ReconcileResult out;
  out.service = in.service;
  Reconciler r{in, out, out.service, in.now_ms, in.policy, {}, {}, {}};
  r.Run();
  Service& s = out.service;
  for (auto& d : s.deployments) {
    bool changed = true;
    for (const auto& before : in.service.deployments) {
      if (before.id == d.id) changed = !SameDeployment(before, d);
    }
    if (changed) d.updated_at_ms = in.now_ms;
  }
  OrderDeployments(s);
  out.service_changed =
      !out.events.empty() || model::ToStoreJson(s) != model::ToStoreJson(in.service);
  return out;
}

}  // namespace gantry::controllers
