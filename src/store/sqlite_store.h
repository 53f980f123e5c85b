// SQLite implementation knobs for the state store. The plain OpenSqliteStore(path) in store.h uses
// the defaults; tests shrink the change-feed horizon to exercise compaction quickly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.h"

namespace gantry::store {

struct SqliteStoreOptions {
  // The change feed keeps at least this many of the newest revisions.
  int64_t keep_revisions = 10000;
  // Compaction runs inside every commit whose revision is a multiple of this, so its cost is
  // amortized (one indexed range delete per `compact_every` commits).
  int64_t compact_every = 1000;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options);

}  // namespace gantry::store
