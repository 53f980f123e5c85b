#include "controllers/housekeeping.h"

#include <spdlog/spdlog.h>

namespace gantry::controllers {

void Housekeeping::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (cv_.wait_for(lock, opts_.interval, [this] { return stop_; })) break;
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void Housekeeping::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Housekeeping::RunOnce() {
  auto n = tasks_.CollectStopped(opts_.stopped_task_retention_ms);
  if (!n.ok()) spdlog::warn("housekeeping: {}", n.error().message);
  auto r = logs_.EnforceRetention(clock_.NowMs());
  if (!r.ok()) spdlog::warn("housekeeping: log retention: {}", r.error().message);
}

}  // namespace gantry::controllers
