// ServiceController: the loop that keeps every service at its desired state. Wakes on store
// changes (TaskInformer + ServiceInformer) and on a periodic tick (backoff timers, health grace,
// drain delays), runs the pure Reconcile per service and applies its actions through
// ServiceService (decisions first, conditionally on the service's revision; then drain, stop,
// start; then the "has started" events).
#pragma once

#include <atomic>
#include <map>
#include <thread>

#include "controllers/service_informer.h"
#include "controllers/service_reconciler.h"
#include "controllers/task_informer.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"

namespace gantry::controllers {

struct ServiceControllerOptions {
  ReconcilePolicy policy;
  std::chrono::milliseconds tick{1000};
};

class ServiceController {
 public:
  ServiceController(store::Store& store, services::ServiceService& services,
                    services::TaskDefinitionService& taskdefs, const Clock& clock,
                    ServiceControllerOptions opts = {})
      : store_(store), services_(services), taskdefs_(taskdefs), clock_(clock), opts_(opts),
        tasks_(store), service_cache_(store) {}
  ~ServiceController() { Stop(); }

  void Start();
  void Stop();
  // Syncs the caches and reconciles every service once (exposed for tests). Returns how many
  // services had actions applied.
  Result<int> RunOnce();
  // Earliest time a reconcile wants to run again (0: none).
  int64_t wake_at_ms() const { return wake_at_ms_; }

 private:
  void Loop();
  bool HealthChecked(const std::string& task_definition_arn);
  // Returns true when something was applied.
  bool Apply(const services::StoredService& st, ReconcileResult& r);

  store::Store& store_;
  services::ServiceService& services_;
  services::TaskDefinitionService& taskdefs_;
  const Clock& clock_;
  ServiceControllerOptions opts_;
  TaskInformer tasks_;
  ServiceInformer service_cache_;
  std::map<std::string, bool> health_checked_;  // definitions are immutable: cache forever
  int64_t wake_at_ms_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gantry::controllers
