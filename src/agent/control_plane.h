// ControlPlane: everything the agent needs from the server. Embedded today (LocalControlPlane
// calls the services in-process); `gantry agent --join` will implement it over HTTP with the same
// semantics (long-poll for assignments, push status reports and log lines).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/node.h"
#include "model/task.h"
#include "model/task_definition.h"
#include "services/task_service.h"
#include "store/log_store.h"

namespace gantry::agent {

struct AssignmentBatch {
  int64_t revision = 0;           // pass back as `since`
  bool full = false;              // `tasks` is the complete set assigned to the node
  std::vector<model::Task> tasks; // changed (or all) tasks assigned to the node
};

class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  virtual Result<void> RegisterNode(const model::Node& node) = 0;
  // since < 0: the full set. Otherwise changes after `since`, blocking up to `wait` for one.
  virtual Result<AssignmentBatch> WatchAssignments(const std::string& node_id, int64_t since,
                                                   std::chrono::milliseconds wait) = 0;
  virtual Result<model::TaskDefinition> GetTaskDefinition(const std::string& arn) = 0;
  virtual Result<void> ReportTask(const services::TaskReport& report) = 0;
  virtual Result<void> AppendLogs(const std::string& group, const std::string& stream,
                                  const std::vector<store::LogEvent>& events) = 0;
};

}  // namespace gantry::agent
