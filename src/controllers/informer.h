// Informer<T>: a local cache of every object of one store kind, decoded to T, kept current from
// the store's change feed (re-listing when the feed was compacted past us). Each controller owns
// its informers; not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace gantry::controllers {

template <typename T>
class Informer {
 public:
  // Returns nullopt for documents that do not decode (they are skipped).
  using Decode = std::function<std::optional<T>(const store::Object&)>;

  Informer(store::Store& store, std::string kind, Decode decode)
      : store_(store), kind_(std::move(kind)), decode_(std::move(decode)) {}

  // Applies every change since the last Sync. Returns the keys that changed (or were deleted).
  Result<std::vector<std::string>> Sync() {
    if (revision_ < 0) return Relist();
    std::vector<std::string> changed;
    for (;;) {
      auto events = store_.Changes(revision_, kPage);
      if (!events.ok()) {
        if (events.error().code == ErrorCode::kFailedPrecondition) return Relist();
        return std::move(events).error();
      }
      if (events->empty()) break;
      for (const auto& e : *events) {
        revision_ = std::max(revision_, e.object.revision);
        if (e.object.kind != kind_) continue;
        changed.push_back(e.object.key);
        if (e.type == store::Event::Type::kDelete) {
          items_.erase(e.object.key);
          continue;
        }
        if (auto v = decode_(e.object)) items_[e.object.key] = std::move(*v);
      }
      if (events->size() < kPage) break;
    }
    return changed;
  }

  // Waits for a store change after the cache's revision (up to `wait`), then Syncs.
  Result<std::vector<std::string>> WaitAndSync(std::chrono::milliseconds wait) {
    if (revision_ >= 0) store_.WaitForChange(revision_, wait);
    return Sync();
  }

  const std::map<std::string, T>& items() const { return items_; }
  int64_t revision() const { return revision_; }

 private:
  static constexpr size_t kPage = 1000;

  Result<std::vector<std::string>> Relist() {
    int64_t rev = store_.CurrentRevision();
    GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kind_));
    std::map<std::string, T> fresh;
    std::vector<std::string> changed;
    for (const auto& o : objs) {
      if (auto v = decode_(o)) fresh.emplace(o.key, std::move(*v));
    }
    for (const auto& [key, v] : items_) {
      if (!fresh.count(key)) changed.push_back(key);
    }
    for (const auto& [key, v] : fresh) changed.push_back(key);
    items_ = std::move(fresh);
    revision_ = rev;
    return changed;
  }

  store::Store& store_;
  std::string kind_;
  Decode decode_;
  std::map<std::string, T> items_;
  int64_t revision_ = -1;  // -1: never listed
};

}  // namespace gantry::controllers
