// LocalControlPlane: ControlPlane for the agent embedded in `gantry server`.
#pragma once

#include "agent/control_plane.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/log_store.h"
#include "store/store.h"

namespace gantry::agent {

class LocalControlPlane final : public ControlPlane {
 public:
  LocalControlPlane(store::Store& store, store::LogStore& logs,
                    services::TaskDefinitionService& taskdefs, services::TaskService& tasks)
      : store_(store), logs_(logs), taskdefs_(taskdefs), tasks_(tasks) {}

  Result<void> RegisterNode(const model::Node& node) override;
  Result<AssignmentBatch> WatchAssignments(const std::string& node_id, int64_t since,
                                           std::chrono::milliseconds wait) override;
  Result<model::TaskDefinition> GetTaskDefinition(const std::string& arn) override;
  Result<void> ReportTask(const services::TaskReport& report) override;
  Result<void> AppendLogs(const std::string& group, const std::string& stream,
                          const std::vector<store::LogEvent>& events) override;

 private:
  Result<AssignmentBatch> FullList(const std::string& node_id);

  store::Store& store_;
  store::LogStore& logs_;
  services::TaskDefinitionService& taskdefs_;
  services::TaskService& tasks_;
};

}  // namespace gantry::agent
