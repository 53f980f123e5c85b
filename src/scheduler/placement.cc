#include "scheduler/placement.h"

#include <algorithm>

namespace gantry::scheduler {

PlacementResult Place(std::vector<NodeCapacity> nodes, std::vector<PendingTask> pending) {
  PlacementResult out;
  std::stable_sort(pending.begin(), pending.end(), [](const PendingTask& a, const PendingTask& b) {
    if (a.created_at_ms != b.created_at_ms) return a.created_at_ms < b.created_at_ms;
    return a.id < b.id;
  });
  for (const auto& t : pending) {
    NodeCapacity* best = nullptr;
    for (auto& n : nodes) {
      if (!n.schedulable) continue;
      int64_t free_mem = n.memory_mib - n.used_memory;
      int64_t free_cpu = n.cpu_units - n.used_cpu;
      if (free_mem < t.memory_mib || free_cpu < t.cpu_units) continue;
      if (!best) { best = &n; continue; }
      int64_t best_mem = best->memory_mib - best->used_memory;
      int64_t best_cpu = best->cpu_units - best->used_cpu;
      if (free_mem != best_mem ? free_mem > best_mem
                               : (free_cpu != best_cpu ? free_cpu > best_cpu : n.id < best->id))
        best = &n;
    }
    if (!best) {
      out.unplaced.push_back(t.id);
      continue;
    }
    best->used_cpu += t.cpu_units;
    best->used_memory += t.memory_mib;
    out.assignments.push_back(Assignment{t.id, best->id});
  }
  return out;
}

}  // namespace gantry::scheduler
