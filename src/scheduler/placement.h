// Placement: a pure function from (nodes with their free capacity, tasks waiting for a node) to
// assignments. No I/O, no clock: tested with tables and simulated at scale.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gantry::scheduler {

struct NodeCapacity {
  std::string id;
  int64_t cpu_units = 0;   // schedulable cpu (after overcommit)
  int64_t memory_mib = 0;
  int64_t used_cpu = 0;
  int64_t used_memory = 0;
  bool schedulable = true;
};

struct PendingTask {
  std::string id;
  int64_t cpu_units = 0;
  int64_t memory_mib = 0;
  int64_t created_at_ms = 0;  // older tasks are placed first
};

struct Assignment {
  std::string task_id;
  std::string node_id;
};

struct PlacementResult {
  std::vector<Assignment> assignments;
  std::vector<std::string> unplaced;  // no node has room right now
};

// Spreads tasks: each goes to the schedulable node with the most free memory that fits it
// (ties: most free cpu, then node id), updating usage as it goes. Deterministic.
PlacementResult Place(std::vector<NodeCapacity> nodes, std::vector<PendingTask> pending);

}  // namespace gantry::scheduler
