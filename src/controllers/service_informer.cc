#include "controllers/service_informer.h"

namespace gantry::controllers {

using services::ServiceService;

Result<std::vector<std::string>> ServiceInformer::Relist() {
  int64_t rev = store_.CurrentRevision();
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(ServiceService::kKind));
  std::map<std::string, services::StoredService> fresh;
  std::vector<std::string> changed;
  for (const auto& o : objs) {
    auto s = model::ServiceFromStoreJson(o.value);
    if (!s.ok()) continue;
    fresh.emplace(o.key, services::StoredService{std::move(s).value(), o.revision});
  }
  for (const auto& [key, s] : services_) {
    if (!fresh.count(key)) changed.push_back(key);
  }
  for (const auto& [key, s] : fresh) changed.push_back(key);
  services_ = std::move(fresh);
  revision_ = rev;
  return changed;
}

Result<std::vector<std::string>> ServiceInformer::Sync() {
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
      if (e.object.kind != ServiceService::kKind) continue;
      changed.push_back(e.object.key);
      if (e.type == store::Event::Type::kDelete) {
        services_.erase(e.object.key);
        continue;
      }
      auto s = model::ServiceFromStoreJson(e.object.value);
      if (s.ok())
        services_[e.object.key] = services::StoredService{std::move(s).value(), e.object.revision};
    }
    if (events->size() < 1000) break;
  }
  return changed;
}

}  // namespace gantry::controllers
