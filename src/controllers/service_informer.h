// ServiceInformer: the Informer of every service, each with its store revision (for conditional
// writes). Keyed by ServiceService::Key(cluster, name).
#pragma once

#include "controllers/informer.h"
#include "services/service_service.h"

namespace gantry::controllers {

class ServiceInformer : public Informer<services::StoredService> {
 public:
  explicit ServiceInformer(store::Store& store);
  const std::map<std::string, services::StoredService>& services() const { return items(); }
};

}  // namespace gantry::controllers
