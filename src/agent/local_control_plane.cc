#include "agent/local_control_plane.h"

namespace gantry::agent {

Result<void> LocalControlPlane::RegisterNode(const model::Node& node) {
  GANTRY_TRY(store_.Put("node", node.id, model::ToStoreJson(node)));
  return Ok();
}

Result<AssignmentBatch> LocalControlPlane::FullList(const std::string& node_id) {
  AssignmentBatch b;
  b.full = true;
  b.revision = store_.CurrentRevision();
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(services::TaskService::kKind));
  for (const auto& o : objs) {
    auto t = model::TaskFromStoreJson(o.value);
    if (t.ok() && t->node_id == node_id) b.tasks.push_back(std::move(t).value());
  }
  return b;
}

Result<AssignmentBatch> LocalControlPlane::WatchAssignments(const std::string& node_id,
                                                            int64_t since,
                                                            std::chrono::milliseconds wait) {
  if (since < 0) return FullList(node_id);
  store_.WaitForChange(since, wait);
  AssignmentBatch b;
  b.revision = since;
  for (;;) {
    auto events = store_.Changes(b.revision, 1000);
    if (!events.ok()) {
      if (events.error().code == ErrorCode::kFailedPrecondition) return FullList(node_id);
      return std::move(events).error();
    }
    for (const auto& e : *events) {
      b.revision = std::max(b.revision, e.object.revision);
      if (e.object.kind != services::TaskService::kKind || e.type != store::Event::Type::kPut)
        continue;
      // Cheap pre-filter before parsing: the node id appears verbatim in the document.
      if (e.object.value.find(node_id) == std::string::npos) continue;
      auto t = model::TaskFromStoreJson(e.object.value);
      if (t.ok() && t->node_id == node_id) b.tasks.push_back(std::move(t).value());
    }
    if (events->size() < 1000) break;
  }
  return b;
}

Result<model::TaskDefinition> LocalControlPlane::GetTaskDefinition(const std::string& arn) {
  return taskdefs_.Describe(arn);
}

Result<void> LocalControlPlane::ReportTask(const services::TaskReport& report) {
  GANTRY_TRY(tasks_.ApplyReport(report));
  return Ok();
}

Result<void> LocalControlPlane::AppendLogs(const std::string& group, const std::string& stream,
                                           const std::vector<store::LogEvent>& events) {
  return logs_.Append(group, stream, events, /*create=*/true);
}

}  // namespace gantry::agent
