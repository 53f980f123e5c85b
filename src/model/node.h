// Node: a machine that runs tasks (an agent), its capacity and liveness.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace gantry::model {

struct Node {
  std::string id;
  std::string hostname;
  int64_t cpu_units = 0;    // 1024 per core
  int64_t memory_mib = 0;
  std::string status = "ACTIVE";  // ACTIVE | DRAINING | INACTIVE
  int64_t registered_at_ms = 0;
  int64_t heartbeat_at_ms = 0;
};

std::string ToStoreJson(const Node& n);
Result<Node> NodeFromStoreJson(const std::string& text);

}  // namespace gantry::model
