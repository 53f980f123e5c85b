// ServiceInformer: a local cache of every service (with its store revision, for conditional
// writes), kept current from the store's change feed like TaskInformer. Not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/service_service.h"
#include "store/store.h"

namespace gantry::controllers {

class ServiceInformer {
 public:
  explicit ServiceInformer(store::Store& store) : store_(store) {}

  // Applies every change since the last Sync. Returns the keys that changed (or were deleted).
  Result<std::vector<std::string>> Sync();

  // Keyed by ServiceService::Key(cluster, name).
  const std::map<std::string, services::StoredService>& services() const { return services_; }
  int64_t revision() const { return revision_; }

 private:
  Result<std::vector<std::string>> Relist();

  store::Store& store_;
  std::map<std::string, services::StoredService> services_;
  int64_t revision_ = -1;  // -1: never listed
};

}  // namespace gantry::controllers
