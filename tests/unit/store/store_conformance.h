// The Store conformance suite: every Store implementation must pass these tests unchanged.
// An implementation instantiates it with a factory, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest, ::testing::Values(SqliteFactory()),
//                            StoreFactoryName);
// The tests themselves live in store_conformance.cc, compiled once per test binary.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"
#include "temp_dir.h"

namespace gantry::store::testing {

struct StoreFactory {
  std::string name;
  // Opens the store kept at `location`, a fresh empty directory per test. Opening the same
  // location again must give back the same data.
  std::function<Result<std::unique_ptr<Store>>(const std::string& location)> open;
  // After this many single-op commits the first revision must be gone from the change feed.
  int64_t writes_to_compact = 0;
  // The change feed always keeps at least this many of the newest revisions.
  int64_t min_retained = 0;
};

// Keeps gtest from dumping the factory's bytes in failure messages.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "cannot create a temp dir";
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open() {
    auto r = GetParam().open(dir_.path());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }

  // Closes the current store, then opens the same location again.
  void Reopen() {
    store_.reset();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace gantry::store::testing
