#include "controllers/task_informer.h"

#include "services/task_service.h"

namespace gantry::controllers {

Result<std::vector<std::string>> TaskInformer::Relist() {
  int64_t rev = store_.CurrentRevision();
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(services::TaskService::kKind));
  std::vector<std::string> changed;
  std::map<std::string, model::Task> fresh;
  for (const auto& o : objs) {
    auto t = model::TaskFromStoreJson(o.value);
    if (!t.ok()) continue;
    fresh.emplace(o.key, std::move(t).value());
  }
  for (const auto& [id, t] : tasks_) {
    if (!fresh.count(id)) changed.push_back(id);
  }
  for (const auto& [id, t] : fresh) changed.push_back(id);
  tasks_ = std::move(fresh);
  revision_ = rev;
  return changed;
}

Result<std::vector<std::string>> TaskInformer::Sync() {
  if (revision_ < 0) return Relist();
  std::vector<std::string> changed;
  for (;;) {
    auto events = store_.Changes(revision_, 1000);
    if (!events.ok()) {
      if (events.error().code == ErrorCode::kFailedPrecondition) return Relist();
      return std::move(events).error();
    }
    if (events->empty()) break;
    for (const auto& e : *events) {
      revision_ = std::max(revision_, e.object.revision);
      if (e.object.kind != services::TaskService::kKind) continue;
      changed.push_back(e.object.key);
      if (e.type == store::Event::Type::kDelete) {
        tasks_.erase(e.object.key);
        continue;
      }
      auto t = model::TaskFromStoreJson(e.object.value);
      if (t.ok()) tasks_[e.object.key] = std::move(t).value();
    }
    if (events->size() < 1000) break;
  }
  return changed;
}

Result<std::vector<std::string>> TaskInformer::WaitAndSync(std::chrono::milliseconds wait) {
  if (revision_ >= 0) store_.WaitForChange(revision_, wait);
  return Sync();
}

}  // namespace gantry::controllers
