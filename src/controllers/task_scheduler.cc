#include "controllers/task_scheduler.h"

#include <spdlog/spdlog.h>

#include "model/node.h"
#include "scheduler/placement.h"

namespace gantry::controllers {

void TaskScheduler::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void TaskScheduler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void TaskScheduler::Loop() {
  while (!stop_) {
    auto changed = informer_.WaitAndSync(std::chrono::milliseconds(500));
    if (!changed.ok()) {
      spdlog::warn("scheduler: sync failed: {}", changed.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    auto placed = RunOnce();
    if (!placed.ok()) spdlog::warn("scheduler: {}", placed.error().message);
  }
}

Result<int> TaskScheduler::RunOnce() {
  std::vector<scheduler::PendingTask> pending;
  for (const auto& [id, t] : informer_.tasks()) {
    if (t.node_id.empty() && !t.IsStopped() && t.desired_status == "RUNNING")
      pending.push_back({id, t.cpu, t.memory, t.created_at_ms});
  }
  if (pending.empty()) return 0;
  GANTRY_ASSIGN_OR_RETURN(auto node_objs, store_.List("node"));
  std::vector<scheduler::NodeCapacity> nodes;
  std::map<std::string, size_t> index;
  for (const auto& o : node_objs) {
    auto n = model::NodeFromStoreJson(o.value);
    if (!n.ok()) continue;
    index[n->id] = nodes.size();
    nodes.push_back({n->id, n->cpu_units * opts_.cpu_overcommit, n->memory_mib, 0, 0,
                     n->status == "ACTIVE"});
  }
  for (const auto& [id, t] : informer_.tasks()) {
    if (t.node_id.empty() || t.IsStopped()) continue;
    auto it = index.find(t.node_id);
    if (it == index.end()) continue;
    nodes[it->second].used_cpu += t.cpu;
    nodes[it->second].used_memory += t.memory;
  }
  auto plan = scheduler::Place(std::move(nodes), std::move(pending));
  int n = 0;
  for (const auto& a : plan.assignments) {
    auto r = tasks_.Assign(a.task_id, a.node_id);
    if (r.ok()) ++n;
    else spdlog::warn("scheduler: assign {} -> {}: {}", a.task_id, a.node_id, r.error().message);
  }
  return n;
}

}  // namespace gantry::controllers
