// TaskScheduler: the controller that places PROVISIONING tasks on nodes. Feeds the pure
// scheduler::Place with the informer's view and writes assignments through TaskService.
#pragma once

#include <atomic>
#include <thread>

#include "controllers/task_informer.h"
#include "services/task_service.h"
#include "store/store.h"

namespace gantry::controllers {

struct TaskSchedulerOptions {
  // CPU is shared (each task's quota caps it), memory is reserved: schedulable cpu per node is
  // its cpu units times this factor.
  int64_t cpu_overcommit = 4;
};

class TaskScheduler {
 public:
  TaskScheduler(store::Store& store, services::TaskService& tasks, TaskSchedulerOptions opts = {})
      : store_(store), tasks_(tasks), opts_(opts), informer_(store) {}
  ~TaskScheduler() { Stop(); }

  void Start();
  void Stop();
  // One reconcile pass (exposed for tests).
  Result<int> RunOnce();

 private:
  void Loop();

  store::Store& store_;
  services::TaskService& tasks_;
  TaskSchedulerOptions opts_;
  TaskInformer informer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace gantry::controllers
