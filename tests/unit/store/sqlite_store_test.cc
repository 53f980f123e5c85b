// Runs the Store conformance suite against SqliteStore, plus SQLite-only behaviour.
#include "store/sqlite_store.h"

#include <filesystem>

#include "result_matchers.h"
#include "store_conformance.h"

namespace gantry::store::testing {
namespace {

// A small feed horizon so the compaction test needs a few hundred commits, not 11000.
constexpr SqliteStoreOptions kSmallHorizon{.keep_revisions = 100, .compact_every = 10};

StoreFactory SqliteFactory() {
  return StoreFactory{
      .name = "Sqlite",
      .open =
          [](const std::string& dir) { return OpenSqliteStore(dir + "/state.db", kSmallHorizon); },
      // Compaction at revision 110 drops revisions <= 10, so revision 1 is surely gone by then.
      .writes_to_compact = kSmallHorizon.keep_revisions + kSmallHorizon.compact_every,
      .min_retained = kSmallHorizon.keep_revisions,
  };
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest, ::testing::Values(SqliteFactory()),
                         StoreFactoryName);

TEST(SqliteStoreTest, DefaultHorizonKeepsTenThousandRevisions) {
  TempDir dir;
  GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(dir.File("state.db")));
  for (int i = 0; i < 10999; ++i) {
    GANTRY_ASSERT_OK(store->Put("task", "k" + std::to_string(i % 50), "{}"));
  }
  // Nothing compacted before revision 11000 (the first compaction at 10000 is a no-op).
  GANTRY_ASSERT_OK_AND_ASSIGN(auto from_start, store->Changes(0, 1));
  ASSERT_EQ(from_start.size(), 1u);
  GANTRY_ASSERT_OK(store->Put("task", "last", "{}"));
  GANTRY_EXPECT_ERROR(store->Changes(999), ErrorCode::kFailedPrecondition);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto kept, store->Changes(1000, 0));
  EXPECT_EQ(kept.size(), 10000u);
}

TEST(SqliteStoreTest, CompactionHorizonSurvivesReopen) {
  TempDir dir;
  {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(dir.File("state.db"), kSmallHorizon));
    for (int i = 0; i < 120; ++i) GANTRY_ASSERT_OK(store->Put("task", "k", std::to_string(i)));
  }
  GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(dir.File("state.db"), kSmallHorizon));
  GANTRY_EXPECT_ERROR(store->Changes(5), ErrorCode::kFailedPrecondition);
  GANTRY_EXPECT_OK(store->Changes(20));
}

TEST(SqliteStoreTest, UsesWalAndCreatesParentDirectories) {
  TempDir dir;
  const std::string path = dir.File("nested/deeper/state.db");
  GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(path));
  GANTRY_ASSERT_OK(store->Put("task", "t1", "{}"));
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStoreTest, OpenErrorsAreValues) {
  TempDir dir;
  // A directory where the database file should be.
  std::filesystem::create_directories(dir.File("state.db"));
  EXPECT_FALSE(OpenSqliteStore(dir.File("state.db")).ok());
  GANTRY_EXPECT_ERROR(OpenSqliteStore("", SqliteStoreOptions{}), ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(OpenSqliteStore(dir.File("x.db"), SqliteStoreOptions{.compact_every = 0}),
                      ErrorCode::kInvalidArgument);
}

TEST(SqliteStoreTest, LargeTransactionIsDeliveredWholeEvenPastTheLimit) {
  TempDir dir;
  GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(dir.File("state.db")));
  std::vector<Op> ops;
  for (int i = 0; i < 5; ++i) ops.push_back(Op::Put("task", "t" + std::to_string(i), "{}"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store->Txn(ops));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto events, store->Changes(0, 2));
  ASSERT_EQ(events.size(), 5u);
  for (const Event& e : events) EXPECT_EQ(e.object.revision, rev);
}

TEST(SqliteStoreTest, NoOpTxnTakesNoRevision) {
  TempDir dir;
  GANTRY_ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteStore(dir.File("state.db")));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store->Put("task", "t1", "{}"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t same, store->Delete("task", "absent"));
  EXPECT_EQ(same, rev);
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t empty, store->Txn({}));
  EXPECT_EQ(empty, rev);
  EXPECT_EQ(store->CurrentRevision(), rev);
}

}  // namespace
}  // namespace gantry::store::testing
