#include "controllers/service_controller.h"

#include <spdlog/spdlog.h>

#include "common/ids.h"

namespace gantry::controllers {

void ServiceController::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ServiceController::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ServiceController::Loop() {
  while (!stop_) {
    auto wait = opts_.tick;
    if (wake_at_ms_) {
      auto until = std::chrono::milliseconds(std::max<int64_t>(wake_at_ms_ - clock_.NowMs(), 0));
      wait = std::min(wait, until);
    }
    // Bounded so Stop() is noticed promptly.
    wait = std::min(wait, std::chrono::milliseconds(500));
    int64_t since = std::min(tasks_.revision(), service_cache_.revision());
    if (since >= 0 && wait.count() > 0) store_.WaitForChange(since, wait);
    auto r = RunOnce();
    if (!r.ok()) {
      spdlog::warn("service controller: {}", r.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

bool ServiceController::HealthChecked(const std::string& arn) {
  if (auto it = health_checked_.find(arn); it != health_checked_.end()) return it->second;
  auto td = taskdefs_.Describe(arn);
  if (!td.ok()) return false;  // not cached: retried next pass
  bool any = false;
  for (const auto& c : td->containers) any |= c.health_check.has_value();
  health_checked_[arn] = any;
  return any;
}

Result<int> ServiceController::RunOnce() {
  GANTRY_TRY(tasks_.Sync());
  GANTRY_TRY(service_cache_.Sync());
  int64_t now = clock_.NowMs();
  std::map<std::string, std::vector<model::Task>> by_group;  // "cluster/service:<name>"
  for (const auto& [id, t] : tasks_.tasks()) {
    if (t.group.rfind("service:", 0) == 0) by_group[t.cluster + "/" + t.group].push_back(t);
  }
  wake_at_ms_ = 0;
  int applied = 0;
  for (const auto& [key, st] : service_cache_.services()) {
    if (st.service.status == model::service_status::kInactive) continue;
    ReconcileInput in;
    in.service = st.service;
    in.now_ms = now;
    in.policy = opts_.policy;
    if (auto it = by_group.find(st.service.cluster + "/" + model::ServiceGroup(st.service.name));
        it != by_group.end())
      in.tasks = it->second;
    for (const auto& d : st.service.deployments) in.health_checked[d.task_definition] = HealthChecked(d.task_definition);
    for (const auto& t : in.tasks) in.health_checked[t.task_definition_arn] = HealthChecked(t.task_definition_arn);
    ReconcileResult r = Reconcile(in);
    if (r.wake_at_ms && (!wake_at_ms_ || r.wake_at_ms < wake_at_ms_)) wake_at_ms_ = r.wake_at_ms;
    if (Apply(st, r)) applied++;
  }
  return applied;
}

bool ServiceController::Apply(const services::StoredService& st, ReconcileResult& r) {
  model::Service& s = r.service;
  int64_t now = clock_.NowMs();
  if (r.service_changed) {
    for (const auto& msg : r.events) s.AddEvent({RandomUuid(), now, msg});
    auto w = services_.WriteDecision(s, st.revision);
    if (!w.ok()) {
      // Someone changed the service since we read it: decide again on the next pass.
      if (w.error().code != ErrorCode::kConflict)
        spdlog::warn("service {}: write: {}", s.name, w.error().message);
      wake_at_ms_ = now;
      return false;
    }
    for (const auto& msg : r.events) spdlog::info("{}", msg);
  }
  for (const auto& id : r.drain) {
    auto d = services_.DrainTask(id);
    if (!d.ok()) spdlog::warn("service {}: drain task {}: {}", s.name, id, d.error().message);
  }
  for (const auto& stop : r.stops) {
    auto x = services_.StopTask(stop.task_id, stop.reason);
    if (!x.ok()) spdlog::warn("service {}: stop task {}: {}", s.name, stop.task_id, x.error().message);
  }
  for (const auto& start : r.starts) {
    const model::Deployment* d = nullptr;
    for (const auto& dep : s.deployments) {
      if (dep.id == start.deployment_id) d = &dep;
    }
    if (!d) continue;
    auto started = services_.StartTasks(s, *d, start.count);
    std::string msg;
    if (started.ok()) {
      std::vector<std::string> ids;
      for (const auto& t : *started) ids.push_back(t.id);
      msg = StartedTasksEvent(s.name, ids);
    } else {
      msg = UnableToStartEvent(s.name, started.error().message);
    }
    spdlog::info("{}", msg);
    bool failed = !started.ok();
    ReconcilePolicy pol = opts_.policy;
    auto m = services_.Mutate(s.cluster, s.name, [&](model::Service& cur) {
      cur.AddEvent({RandomUuid(), now, msg});
      cur.scheduler.steady = false;
      if (failed) {
        // The launch itself failed (bad definition, no capacity): back off like a failed task.
        cur.scheduler.consecutive_failures++;
        cur.scheduler.last_failure_at_ms = now;
        cur.scheduler.next_launch_at_ms =
            now + std::max<int64_t>(BackoffDelayMs(cur.scheduler.consecutive_failures, pol),
                                    pol.backoff_base_ms);
      }
    });
    if (!m.ok()) spdlog::warn("service {}: record event: {}", s.name, m.error().message);
  }
  return r.service_changed || !r.drain.empty() || !r.stops.empty() || !r.starts.empty();
}

}  // namespace gantry::controllers
