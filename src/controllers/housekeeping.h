// Housekeeping: periodic chores of the control plane: forget STOPPED tasks after their retention
// (ECS keeps them about an hour) and enforce log-group retention.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "services/task_service.h"
#include "store/log_store.h"

namespace gantry::controllers {

struct HousekeepingOptions {
  int64_t stopped_task_retention_ms = 60 * 60 * 1000;
  std::chrono::seconds interval{60};
};

class Housekeeping {
 public:
  Housekeeping(services::TaskService& tasks, store::LogStore& logs, const Clock& clock,
               HousekeepingOptions opts = {})
      : tasks_(tasks), logs_(logs), clock_(clock), opts_(opts) {}
  ~Housekeeping() { Stop(); }
  void Start();
  void Stop();
  void RunOnce();

 private:
  services::TaskService& tasks_;
  store::LogStore& logs_;
  const Clock& clock_;
  HousekeepingOptions opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gantry::controllers
