// TaskInformer: a local cache of every task, kept current from the store's change feed
// (re-listing when the feed was compacted past us). Each controller owns one; not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/task.h"
#include "store/store.h"

namespace gantry::controllers {

class TaskInformer {
 public:
  explicit TaskInformer(store::Store& store) : store_(store) {}

  // Applies every change since the last Sync. Returns the ids that changed (or were deleted).
  Result<std::vector<std::string>> Sync();
  // Waits for a store change after the cache's revision (up to `wait`), then Syncs.
  Result<std::vector<std::string>> WaitAndSync(std::chrono::milliseconds wait);

  const std::map<std::string, model::Task>& tasks() const { return tasks_; }
  int64_t revision() const { return revision_; }

 private:
  Result<std::vector<std::string>> Relist();

  store::Store& store_;
  std::map<std::string, model::Task> tasks_;
  int64_t revision_ = -1;  // -1: never listed
};

}  // namespace gantry::controllers
