#include "store_conformance.h"

#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "result_matchers.h"

namespace gantry::store::testing {
namespace {

using std::chrono::milliseconds;

// Generous: only bounds a hung test, never measured.
constexpr milliseconds kWakeDeadline(10000);

TEST_P(StoreConformanceTest, EmptyStoreStartsAtRevisionZero) {
  EXPECT_EQ(store_->CurrentRevision(), 0);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  EXPECT_FALSE(got.has_value());
  GANTRY_ASSERT_OK_AND_ASSIGN(auto list, store_->List("task"));
  EXPECT_TRUE(list.empty());
  GANTRY_ASSERT_OK_AND_ASSIGN(auto changes, store_->Changes(0));
  EXPECT_TRUE(changes.empty());
}

TEST_P(StoreConformanceTest, PutThenGet) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store_->Put("task", "t1", R"({"a":1})"));
  EXPECT_GT(rev, 0);
  EXPECT_EQ(store_->CurrentRevision(), rev);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->kind, "task");
  EXPECT_EQ(got->key, "t1");
  EXPECT_EQ(got->value, R"({"a":1})");
  EXPECT_EQ(got->revision, rev);
  EXPECT_EQ(got->create_revision, rev);
}

TEST_P(StoreConformanceTest, KindsAreSeparateNamespaces) {
  GANTRY_ASSERT_OK(store_->Put("task", "x", "1"));
  GANTRY_ASSERT_OK(store_->Put("node", "x", "2"));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto task, store_->Get("task", "x"));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto node, store_->Get("node", "x"));
  ASSERT_TRUE(task && node);
  EXPECT_EQ(task->value, "1");
  EXPECT_EQ(node->value, "2");
}

TEST_P(StoreConformanceTest, RevisionsStrictlyIncreaseAcrossTheStore) {
  int64_t last = store_->CurrentRevision();
  for (int i = 0; i < 20; ++i) {
    GANTRY_ASSERT_OK_AND_ASSIGN(
        int64_t rev,
        store_->Put(i % 2 ? "task" : "node", "k" + std::to_string(i % 3), std::to_string(i)));
    EXPECT_GT(rev, last);
    EXPECT_EQ(store_->CurrentRevision(), rev);
    last = rev;
  }
}

TEST_P(StoreConformanceTest, UpdateKeepsCreateRevision) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t created, store_->Put("task", "t1", "v1"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t updated, store_->Put("task", "t1", "v2"));
  EXPECT_GT(updated, created);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "v2");
  EXPECT_EQ(got->revision, updated);
  EXPECT_EQ(got->create_revision, created);
}

TEST_P(StoreConformanceTest, MustNotExistCreatesOnlyOnce) {
  GANTRY_ASSERT_OK(store_->Put("task", "t1", "first", kMustNotExist));
  const int64_t rev = store_->CurrentRevision();
  GANTRY_EXPECT_ERROR(store_->Put("task", "t1", "second", kMustNotExist),
                      ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->CurrentRevision(), rev);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "first");
}

TEST_P(StoreConformanceTest, CompareAndSwapOnRevision) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r1, store_->Put("task", "t1", "v1"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r2, store_->Put("task", "t1", "v2", r1));
  // A writer holding the old revision loses.
  GANTRY_EXPECT_ERROR(store_->Put("task", "t1", "stale", r1), ErrorCode::kConflict);
  GANTRY_EXPECT_ERROR(store_->Delete("task", "t1", r1), ErrorCode::kConflict);
  // A conditional write on a missing key is NotFound, not a conflict.
  GANTRY_EXPECT_ERROR(store_->Put("task", "missing", "v", r2), ErrorCode::kNotFound);
  GANTRY_EXPECT_ERROR(store_->Delete("task", "missing", r2), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "v2");
  EXPECT_EQ(got->revision, r2);
  GANTRY_ASSERT_OK(store_->Delete("task", "t1", r2));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto gone, store_->Get("task", "t1"));
  EXPECT_FALSE(gone);
}

TEST_P(StoreConformanceTest, DeleteSemantics) {
  GANTRY_ASSERT_OK(store_->Put("task", "t1", "v1"));
  GANTRY_EXPECT_ERROR(store_->Delete("task", "t1", kMustNotExist), ErrorCode::kAlreadyExists);
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t del_rev, store_->Delete("task", "t1"));
  EXPECT_EQ(store_->CurrentRevision(), del_rev);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "t1"));
  EXPECT_FALSE(got);
  // Unconditional delete of an absent key succeeds and changes nothing.
  GANTRY_EXPECT_OK(store_->Delete("task", "t1"));
  GANTRY_EXPECT_OK(store_->Delete("task", "never-existed"));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto after, store_->Get("task", "t1"));
  EXPECT_FALSE(after);
  // Re-creating starts a new life: a new create_revision.
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t again, store_->Put("task", "t1", "v2", kMustNotExist));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto reborn, store_->Get("task", "t1"));
  ASSERT_TRUE(reborn);
  EXPECT_EQ(reborn->create_revision, again);
  EXPECT_GT(again, del_rev);
}

TEST_P(StoreConformanceTest, InvalidOpsAreRejected) {
  GANTRY_EXPECT_ERROR(store_->Put("", "k", "v"), ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(store_->Put("task", "", "v"), ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(store_->Put("task", "k", "v", -7), ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(store_->Txn({Op::Put("task", "ok", "v"), Op::Delete("", "k")}),
                      ErrorCode::kInvalidArgument);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("task", "ok"));
  EXPECT_FALSE(got);
  EXPECT_EQ(store_->CurrentRevision(), 0);
}

TEST_P(StoreConformanceTest, TxnWritesEverythingAtOneRevision) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t before, store_->Put("node", "n1", "old"));
  GANTRY_ASSERT_OK_AND_ASSIGN(
      int64_t rev, store_->Txn({Op::Put("task", "t1", "a", kMustNotExist),
                                Op::Put("task", "t2", "b", kMustNotExist),
                                Op::Put("node", "n1", "new", before), Op::Delete("node", "n0")}));
  EXPECT_GT(rev, before);
  EXPECT_EQ(store_->CurrentRevision(), rev);
  for (auto [kind, key] : {std::pair{"task", "t1"}, {"task", "t2"}, {"node", "n1"}}) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get(kind, key));
    ASSERT_TRUE(got) << kind << "/" << key;
    EXPECT_EQ(got->revision, rev) << kind << "/" << key;
  }
  GANTRY_ASSERT_OK_AND_ASSIGN(auto changes, store_->Changes(before));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].object.key, "t1");
  EXPECT_EQ(changes[1].object.key, "t2");
  EXPECT_EQ(changes[2].object.key, "n1");
  for (const Event& e : changes) EXPECT_EQ(e.object.revision, rev);
}

TEST_P(StoreConformanceTest, FailedTxnWritesNothing) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r1, store_->Put("task", "existing", "v1"));
  GANTRY_ASSERT_OK(store_->Put("task", "existing", "v2"));
  GANTRY_ASSERT_OK(store_->Put("task", "victim", "alive"));
  const int64_t rev = store_->CurrentRevision();

  // The failing op comes last, after writes that would have succeeded on their own.
  struct Case {
    Op failing;
    ErrorCode code;
  };
  for (const Case& c :
       {Case{Op::Put("task", "existing", "x", kMustNotExist), ErrorCode::kAlreadyExists},
        Case{Op::Put("task", "existing", "x", r1), ErrorCode::kConflict},
        Case{Op::Delete("task", "absent", r1), ErrorCode::kNotFound}}) {
    GANTRY_EXPECT_ERROR(store_->Txn({Op::Put("task", "new1", "a"), Op::Delete("task", "victim"),
                                     Op::Put("node", "new2", "b", kMustNotExist), c.failing}),
                        c.code);
    EXPECT_EQ(store_->CurrentRevision(), rev);
    GANTRY_ASSERT_OK_AND_ASSIGN(auto new1, store_->Get("task", "new1"));
    GANTRY_ASSERT_OK_AND_ASSIGN(auto new2, store_->Get("node", "new2"));
    GANTRY_ASSERT_OK_AND_ASSIGN(auto existing, store_->Get("task", "existing"));
    EXPECT_FALSE(new1);
    EXPECT_FALSE(new2);
    ASSERT_TRUE(existing);
    EXPECT_EQ(existing->value, "v2");
    GANTRY_ASSERT_OK_AND_ASSIGN(auto victim, store_->Get("task", "victim"));
    EXPECT_TRUE(victim);
    GANTRY_ASSERT_OK_AND_ASSIGN(auto changes, store_->Changes(rev));
    EXPECT_TRUE(changes.empty());
  }
  // The store still works after the rollbacks.
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t next, store_->Put("task", "new1", "a"));
  EXPECT_GT(next, rev);
}

TEST_P(StoreConformanceTest, OpsInATxnSeeEarlierOps) {
  GANTRY_ASSERT_OK_AND_ASSIGN(
      int64_t rev,
      store_->Txn({Op::Put("task", "t1", "a", kMustNotExist), Op::Put("task", "t1", "b"),
                   Op::Put("task", "t2", "c"), Op::Delete("task", "t2")}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto t1, store_->Get("task", "t1"));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto t2, store_->Get("task", "t2"));
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->value, "b");
  EXPECT_EQ(t1->revision, rev);
  EXPECT_FALSE(t2);
}

TEST_P(StoreConformanceTest, ListIsOrderedAndFiltersByPrefix) {
  for (const char* key : {"a/2", "b/1", "a/10", "a", "a/1", "ab"}) {
    GANTRY_ASSERT_OK(store_->Put("task", key, key));
  }
  GANTRY_ASSERT_OK(store_->Put("node", "a/0", "other kind"));
  auto keys = [](const std::vector<Object>& objects) {
    std::vector<std::string> out;
    for (const Object& o : objects) out.push_back(o.key);
    return out;
  };
  GANTRY_ASSERT_OK_AND_ASSIGN(auto all, store_->List("task"));
  EXPECT_EQ(keys(all), (std::vector<std::string>{"a", "a/1", "a/10", "a/2", "ab", "b/1"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto slash, store_->List("task", {.prefix = "a/"}));
  EXPECT_EQ(keys(slash), (std::vector<std::string>{"a/1", "a/10", "a/2"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto none, store_->List("task", {.prefix = "zz"}));
  EXPECT_TRUE(none.empty());
  for (const Object& o : all) {
    EXPECT_EQ(o.kind, "task");
    EXPECT_EQ(o.value, o.key);
    EXPECT_GT(o.revision, 0);
  }
}

TEST_P(StoreConformanceTest, ListPagesWithStartAfterAndLimit) {
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "svc/%02d", i);
    want.push_back(key);
    GANTRY_ASSERT_OK(store_->Put("task", key, "v"));
  }
  GANTRY_ASSERT_OK(store_->Put("task", "zzz", "outside the prefix"));
  std::vector<std::string> got;
  ListOptions opts{.prefix = "svc/", .limit = 7};
  for (int page = 0; page < 10; ++page) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto objects, store_->List("task", opts));
    EXPECT_LE(objects.size(), 7u);
    if (objects.empty()) break;
    for (const Object& o : objects) got.push_back(o.key);
    opts.start_after = objects.back().key;
  }
  EXPECT_EQ(got, want);
}

TEST_P(StoreConformanceTest, ChangeFeedIsOrderedAndComplete) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r1, store_->Put("task", "t1", "v1"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r2, store_->Put("task", "t2", "v2"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r3, store_->Put("task", "t1", "v3"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t r4, store_->Delete("task", "t2"));

  GANTRY_ASSERT_OK_AND_ASSIGN(auto all, store_->Changes(0));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].type, Event::Type::kPut);
  EXPECT_EQ(all[0].object.key, "t1");
  EXPECT_EQ(all[0].object.value, "v1");
  EXPECT_EQ(all[0].object.revision, r1);
  EXPECT_EQ(all[1].object.revision, r2);
  EXPECT_EQ(all[2].object.value, "v3");
  EXPECT_EQ(all[2].object.revision, r3);
  EXPECT_EQ(all[2].object.create_revision, r1);
  EXPECT_EQ(all[3].type, Event::Type::kDelete);
  EXPECT_EQ(all[3].object.kind, "task");
  EXPECT_EQ(all[3].object.key, "t2");
  EXPECT_EQ(all[3].object.value, "");
  EXPECT_EQ(all[3].object.revision, r4);

  GANTRY_ASSERT_OK_AND_ASSIGN(auto tail, store_->Changes(r2));
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].object.revision, r3);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto limited, store_->Changes(0, 3));
  ASSERT_EQ(limited.size(), 3u);
  EXPECT_EQ(limited[2].object.revision, r3);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto future, store_->Changes(r4));
  EXPECT_TRUE(future.empty());
}

TEST_P(StoreConformanceTest, PagingTheFeedByLastRevisionLosesNothing) {
  // Transactions of 1..4 events, read back with a page smaller than the largest transaction.
  std::vector<std::string> want;
  for (int t = 0; t < 12; ++t) {
    std::vector<Op> ops;
    for (int i = 0; i <= t % 4; ++i) {
      std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
      ops.push_back(Op::Put("task", key, "v"));
      want.push_back(key);
    }
    GANTRY_ASSERT_OK(store_->Txn(ops));
  }
  std::vector<std::string> got;
  int64_t since = 0;
  for (int page = 0; page < 100; ++page) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto events, store_->Changes(since, 3));
    if (events.empty()) break;
    for (const Event& e : events) {
      EXPECT_GT(e.object.revision, since);
      got.push_back(e.object.key);
    }
    since = events.back().object.revision;
  }
  EXPECT_EQ(got, want);
}

TEST_P(StoreConformanceTest, CompactedFeedAsksTheCallerToRelist) {
  const StoreFactory& f = GetParam();
  ASSERT_GT(f.writes_to_compact, 0);
  for (int64_t i = 0; i < f.writes_to_compact; ++i) {
    GANTRY_ASSERT_OK(store_->Put("task", "k" + std::to_string(i % 10), std::to_string(i)));
  }
  GANTRY_EXPECT_ERROR(store_->Changes(0), ErrorCode::kFailedPrecondition);
  const int64_t current = store_->CurrentRevision();
  GANTRY_ASSERT_OK_AND_ASSIGN(auto recent, store_->Changes(current - f.min_retained, 0));
  ASSERT_EQ(static_cast<int64_t>(recent.size()), f.min_retained);
  EXPECT_EQ(recent.back().object.revision, current);
  // The objects themselves are never compacted.
  GANTRY_ASSERT_OK_AND_ASSIGN(auto objects, store_->List("task"));
  EXPECT_EQ(objects.size(), 10u);
}

TEST_P(StoreConformanceTest, WaitForChangeReturnsAtOnceWhenBehind) {
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store_->Put("task", "t1", "v"));
  EXPECT_EQ(store_->WaitForChange(rev - 1, kWakeDeadline), rev);
  // Nothing new: times out and reports the current revision.
  EXPECT_EQ(store_->WaitForChange(rev, milliseconds(5)), rev);
}

TEST_P(StoreConformanceTest, WaitForChangeWakesOnAnotherThreadsCommit) {
  const int64_t since = store_->CurrentRevision();
  std::atomic<int64_t> seen{-1};
  std::thread waiter([&] { seen = store_->WaitForChange(since, kWakeDeadline); });
  // The commit may land before or after the waiter blocks; both must wake it.
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store_->Put("task", "t1", "v"));
  waiter.join();
  EXPECT_GE(seen.load(), rev);
}

TEST_P(StoreConformanceTest, ManyWaitersAllWake) {
  const int64_t since = store_->CurrentRevision();
  std::vector<std::thread> waiters;
  std::atomic<int> woken{0};
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      if (store_->WaitForChange(since, kWakeDeadline) > since) ++woken;
    });
  }
  GANTRY_ASSERT_OK(store_->Put("task", "t1", "v"));
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woken.load(), 4);
}

TEST_P(StoreConformanceTest, ConcurrentCompareAndSwapLosesNoUpdate) {
  GANTRY_ASSERT_OK(store_->Put("counter", "c", "0", kMustNotExist));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          auto got = store_->Get("counter", "c");
          if (!got.ok() || !*got) {
            ++errors;
            return;
          }
          int value = std::stoi((*got)->value);
          auto put = store_->Put("counter", "c", std::to_string(value + 1), (*got)->revision);
          if (put.ok()) break;
          if (put.error().code != ErrorCode::kConflict) {
            ++errors;
            return;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto got, store_->Get("counter", "c"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, std::to_string(kThreads * kIncrements));
}

TEST_P(StoreConformanceTest, ReopenKeepsObjectsRevisionAndFeed) {
  GANTRY_ASSERT_OK(store_->Put("task", "t1", "v1"));
  GANTRY_ASSERT_OK(store_->Put("task", "t2", "v2"));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t rev, store_->Delete("task", "t2"));
  Reopen();
  EXPECT_EQ(store_->CurrentRevision(), rev);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto t1, store_->Get("task", "t1"));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto t2, store_->Get("task", "t2"));
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->value, "v1");
  EXPECT_FALSE(t2);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto changes, store_->Changes(0));
  EXPECT_EQ(changes.size(), 3u);
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t next, store_->Put("task", "t3", "v3"));
  EXPECT_GT(next, rev);
}

}  // namespace
}  // namespace gantry::store::testing
