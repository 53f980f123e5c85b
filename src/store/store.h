// Store: the control plane's state. A revisioned key/value store of JSON documents grouped by kind
// (kine/etcd style), with multi-object transactions and an ordered change feed. The only module
// that speaks SQL. Implementations: sqlite_store (embedded default); PostgreSQL later.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::store {

// One stored document. `revision` is the global store revision of the write that last changed it
// (strictly increasing across the whole store), so it doubles as the object's version.
struct Object {
  std::string kind;   // "task", "taskdef", "node", "cluster", ...
  std::string key;    // unique within kind
  std::string value;  // JSON text
  int64_t revision = 0;
  int64_t create_revision = 0;
};

// Expected-revision values for conditional writes.
inline constexpr int64_t kAnyRevision = -1;   // unconditional
inline constexpr int64_t kMustNotExist = 0;   // create only

struct Op {
  enum class Type { kPut, kDelete } type = Type::kPut;
  std::string kind;
  std::string key;
  std::string value;                      // for kPut
  int64_t expected_revision = kAnyRevision;

  static Op Put(std::string kind, std::string key, std::string value,
                int64_t expected = kAnyRevision) {
    return Op{Type::kPut, std::move(kind), std::move(key), std::move(value), expected};
  }
  static Op Delete(std::string kind, std::string key, int64_t expected = kAnyRevision) {
    return Op{Type::kDelete, std::move(kind), std::move(key), {}, expected};
  }
};

struct Event {
  enum class Type { kPut, kDelete } type = Type::kPut;
  Object object;  // for kDelete: value is empty, revision is the delete's revision
};

struct ListOptions {
  std::string prefix;       // key prefix within the kind
  std::string start_after;  // exclusive lower bound on key, for paging
  size_t limit = 0;         // 0 = unlimited
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::optional<Object>> Get(const std::string& kind, const std::string& key) = 0;
  // Keys in ascending order.
  virtual Result<std::vector<Object>> List(const std::string& kind, const ListOptions& opts = {}) = 0;

  // Applies every op atomically, or none. A failed expected_revision check gives kConflict
  // (kAlreadyExists for kMustNotExist on an existing key; kNotFound for a conditional op on a
  // missing key). Returns the new store revision.
  virtual Result<int64_t> Txn(const std::vector<Op>& ops) = 0;

  // Convenience single-op forms of Txn.
  Result<int64_t> Put(const std::string& kind, const std::string& key, const std::string& value,
                      int64_t expected_revision = kAnyRevision) {
    return Txn({Op::Put(kind, key, value, expected_revision)});
  }
  Result<int64_t> Delete(const std::string& kind, const std::string& key,
                         int64_t expected_revision = kAnyRevision) {
    return Txn({Op::Delete(kind, key, expected_revision)});
  }

  virtual int64_t CurrentRevision() = 0;

  // Change feed: every event with revision > since, in revision order (at most `limit`).
  // Events older than the compaction horizon are gone: then kFailedPrecondition and the caller
  // re-lists. The feed keeps at least the last few thousand revisions.
  virtual Result<std::vector<Event>> Changes(int64_t since, size_t limit = 1000) = 0;

  // Blocks until CurrentRevision() > since or the timeout passes; returns the current revision.
  // Wakes promptly on commit (no polling).
  virtual int64_t WaitForChange(int64_t since, std::chrono::milliseconds timeout) = 0;
};

// Opens (creating if needed) the embedded SQLite store at `path` (WAL mode).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace gantry::store
