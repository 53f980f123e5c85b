#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "result_matchers.h"
#include "store/log_store.h"
#include "temp_dir.h"

namespace gantry::store::testing {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
constexpr int64_t kBase = 1'700'000'000'000;  // an arbitrary epoch-ms origin for event times

std::vector<LogEvent> Events(int64_t first_ts, int count, const std::string& prefix = "line") {
  std::vector<LogEvent> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(LogEvent{first_ts + i, prefix + " " + std::to_string(i)});
  }
  return out;
}

std::vector<std::string> Messages(const std::vector<LogEvent>& events) {
  std::vector<std::string> out;
  for (const LogEvent& e : events) out.push_back(e.message);
  return out;
}

std::vector<std::string> Messages(const std::vector<FilteredEvent>& events) {
  std::vector<std::string> out;
  for (const FilteredEvent& e : events) out.push_back(e.stream + ":" + e.event.message);
  return out;
}

class SqliteLogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Reopen();
  }
  void Reopen() {
    logs_.reset();
    auto r = OpenSqliteLogStore(dir_.File("logs.db"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    logs_ = std::move(r).value();
  }

  // Reads the whole stream by following forward tokens until the same token comes back.
  std::vector<std::string> ReadAll(const std::string& group, const std::string& stream,
                                   size_t limit) {
    std::vector<std::string> out;
    ReadOptions opts{.limit = limit};
    for (int page = 0; page < 1000; ++page) {
      auto r = logs_->Read(group, stream, opts);
      EXPECT_TRUE(r.ok()) << r.error().message;
      if (!r.ok()) break;
      for (auto& m : Messages(r->events)) out.push_back(m);
      if (r->next_forward_token == opts.token) break;
      opts.token = r->next_forward_token;
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<LogStore> logs_;
};

TEST_F(SqliteLogStoreTest, GroupLifecycleAndErrors) {
  GANTRY_ASSERT_OK(logs_->CreateGroup("/ecs/web", kBase));
  GANTRY_EXPECT_ERROR(logs_->CreateGroup("/ecs/web", kBase), ErrorCode::kAlreadyExists);
  GANTRY_EXPECT_ERROR(logs_->CreateGroup("", kBase), ErrorCode::kInvalidArgument);
  GANTRY_ASSERT_OK(logs_->CreateGroup("/ecs/worker", kBase + 1));
  GANTRY_ASSERT_OK(logs_->CreateGroup("/other", kBase + 2));

  GANTRY_ASSERT_OK_AND_ASSIGN(auto ecs, logs_->ListGroups("/ecs/"));
  ASSERT_EQ(ecs.size(), 2u);
  EXPECT_EQ(ecs[0].name, "/ecs/web");
  EXPECT_EQ(ecs[0].created_ms, kBase);
  EXPECT_FALSE(ecs[0].retention_days.has_value());
  EXPECT_EQ(ecs[1].name, "/ecs/worker");
  GANTRY_ASSERT_OK_AND_ASSIGN(auto all, logs_->ListGroups(""));
  EXPECT_EQ(all.size(), 3u);

  GANTRY_ASSERT_OK(logs_->DeleteGroup("/ecs/web"));
  GANTRY_EXPECT_ERROR(logs_->DeleteGroup("/ecs/web"), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto after, logs_->ListGroups("/ecs/"));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].name, "/ecs/worker");
}

TEST_F(SqliteLogStoreTest, StreamLifecycleAndErrors) {
  GANTRY_EXPECT_ERROR(logs_->CreateStream("g", "s", kBase), ErrorCode::kNotFound);
  GANTRY_EXPECT_ERROR(logs_->ListStreams("g", ""), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "web/1", kBase + 5));
  GANTRY_EXPECT_ERROR(logs_->CreateStream("g", "web/1", kBase), ErrorCode::kAlreadyExists);
  GANTRY_EXPECT_ERROR(logs_->CreateStream("g", "", kBase), ErrorCode::kInvalidArgument);
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "web/2", kBase));
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "db/1", kBase));

  GANTRY_ASSERT_OK_AND_ASSIGN(auto web, logs_->ListStreams("g", "web/"));
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(web[0].group, "g");
  EXPECT_EQ(web[0].name, "web/1");
  EXPECT_EQ(web[0].created_ms, kBase + 5);
  EXPECT_FALSE(web[0].first_event_ms.has_value());
  EXPECT_EQ(web[0].stored_bytes, 0);
  EXPECT_EQ(web[1].name, "web/2");
  GANTRY_ASSERT_OK_AND_ASSIGN(auto all, logs_->ListStreams("g", ""));
  EXPECT_EQ(all.size(), 3u);
}

TEST_F(SqliteLogStoreTest, AppendCreatesOnDemandOnlyWhenAsked) {
  GANTRY_EXPECT_ERROR(logs_->Append("g", "s", Events(kBase, 1), false), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_EXPECT_ERROR(logs_->Append("g", "s", Events(kBase, 1), false), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto none, logs_->ListStreams("g", ""));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(logs_->LastEventId(), 0);

  GANTRY_ASSERT_OK(logs_->Append(
      "auto/group", "auto/stream",
      {LogEvent{kBase + 10, "hello"}, LogEvent{kBase + 3, "early"}, LogEvent{kBase + 7, "mid"}},
      true));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto groups, logs_->ListGroups("auto/"));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].stored_bytes, 5 + 5 + 3);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto streams, logs_->ListStreams("auto/group", ""));
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].name, "auto/stream");
  EXPECT_EQ(streams[0].first_event_ms, kBase + 3);
  EXPECT_EQ(streams[0].last_event_ms, kBase + 10);
  EXPECT_GT(streams[0].last_ingestion_ms, 0);
  EXPECT_EQ(streams[0].stored_bytes, 13);

  // Events come back in (timestamp, id) order with store-assigned ids and ingestion times.
  GANTRY_ASSERT_OK_AND_ASSIGN(auto page, logs_->Read("auto/group", "auto/stream", {}));
  EXPECT_EQ(Messages(page.events), (std::vector<std::string>{"early", "mid", "hello"}));
  for (const LogEvent& e : page.events) {
    EXPECT_GT(e.id, 0);
    EXPECT_LE(e.id, logs_->LastEventId());
    EXPECT_EQ(e.ingestion_ms, streams[0].last_ingestion_ms);
  }
}

TEST_F(SqliteLogStoreTest, EqualTimestampsKeepAppendOrder) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", {LogEvent{kBase, "a"}, LogEvent{kBase, "b"}}, true));
  GANTRY_ASSERT_OK(logs_->Append("g", "s", {LogEvent{kBase, "c"}}, true));
  EXPECT_EQ(ReadAll("g", "s", 1), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SqliteLogStoreTest, ForwardPagingEndsWithTheSameToken) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 25), true));
  ReadOptions opts{.limit = 10};
  std::vector<size_t> sizes;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto r, logs_->Read("g", "s", opts));
    ASSERT_FALSE(r.next_forward_token.empty());
    ASSERT_FALSE(r.next_backward_token.empty());
    sizes.push_back(r.events.size());
    for (auto& m : Messages(r.events)) seen.push_back(m);
    if (r.next_forward_token == opts.token) {
      EXPECT_TRUE(r.events.empty());
      break;
    }
    opts.token = r.next_forward_token;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5, 0}));
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "line 0");
  EXPECT_EQ(seen.back(), "line 24");

  // Asking again at the end still gives the same token; new events then show up behind it.
  GANTRY_ASSERT_OK_AND_ASSIGN(auto again, logs_->Read("g", "s", opts));
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.next_forward_token, opts.token);
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase + 100, 2, "new"), false));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto fresh, logs_->Read("g", "s", opts));
  EXPECT_EQ(Messages(fresh.events), (std::vector<std::string>{"new 0", "new 1"}));
  EXPECT_NE(fresh.next_forward_token, opts.token);
}

TEST_F(SqliteLogStoreTest, StartFromTailThenPageBackward) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 25), true));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto tail,
                              logs_->Read("g", "s", {.limit = 10, .start_from_head = false}));
  ASSERT_EQ(tail.events.size(), 10u);
  EXPECT_EQ(tail.events.front().message, "line 15");  // newest 10, oldest first
  EXPECT_EQ(tail.events.back().message, "line 24");

  std::vector<size_t> sizes;
  std::string token = tail.next_backward_token;
  for (int page = 0; page < 10; ++page) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto r, logs_->Read("g", "s", {.token = token, .limit = 10}));
    sizes.push_back(r.events.size());
    if (page == 0) {
      ASSERT_EQ(r.events.size(), 10u);
      EXPECT_EQ(r.events.front().message, "line 5");
      EXPECT_EQ(r.events.back().message, "line 14");
    }
    if (r.next_backward_token == token) {
      EXPECT_TRUE(r.events.empty());
      break;
    }
    token = r.next_backward_token;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 5, 0}));

  // Turning around: a forward token from a backward page continues after that page.
  GANTRY_ASSERT_OK_AND_ASSIGN(
      auto back, logs_->Read("g", "s", {.token = tail.next_backward_token, .limit = 3}));
  GANTRY_ASSERT_OK_AND_ASSIGN(
      auto fwd, logs_->Read("g", "s", {.token = back.next_forward_token, .limit = 2}));
  EXPECT_EQ(Messages(fwd.events), (std::vector<std::string>{"line 15", "line 16"}));
  // And from the empty page at the head, forward resumes at the very start.
  GANTRY_ASSERT_OK_AND_ASSIGN(auto head, logs_->Read("g", "s", {.token = token, .limit = 1}));
  GANTRY_ASSERT_OK_AND_ASSIGN(
      auto first, logs_->Read("g", "s", {.token = head.next_forward_token, .limit = 1}));
  EXPECT_EQ(Messages(first.events), (std::vector<std::string>{"line 0"}));
}

TEST_F(SqliteLogStoreTest, ReadTimeWindow) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 10), true));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto window,
                              logs_->Read("g", "s", {.start_ms = kBase + 3, .end_ms = kBase + 6}));
  EXPECT_EQ(Messages(window.events), (std::vector<std::string>{"line 3", "line 4", "line 5"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(
      auto newest,
      logs_->Read("g", "s", {.end_ms = kBase + 6, .limit = 2, .start_from_head = false}));
  EXPECT_EQ(Messages(newest.events), (std::vector<std::string>{"line 4", "line 5"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(
      auto next, logs_->Read("g", "s", {.end_ms = kBase + 6, .token = newest.next_forward_token}));
  EXPECT_TRUE(next.events.empty());
  EXPECT_EQ(next.next_forward_token, newest.next_forward_token);
}

TEST_F(SqliteLogStoreTest, EmptyStreamGivesTokensThatFollowNewEvents) {
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "s", kBase));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto empty, logs_->Read("g", "s", {}));
  EXPECT_TRUE(empty.events.empty());
  ASSERT_FALSE(empty.next_forward_token.empty());
  ASSERT_FALSE(empty.next_backward_token.empty());
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 2), false));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto follow,
                              logs_->Read("g", "s", {.token = empty.next_forward_token}));
  EXPECT_EQ(Messages(follow.events), (std::vector<std::string>{"line 0", "line 1"}));
}

TEST_F(SqliteLogStoreTest, ReadErrors) {
  GANTRY_EXPECT_ERROR(logs_->Read("g", "s", {}), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_EXPECT_ERROR(logs_->Read("g", "s", {}), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "s", kBase));
  for (const char* bad : {"garbage", "f/1", "x/1/2", "f/a/b", "f/1/2/3", "b//1"}) {
    GANTRY_EXPECT_ERROR(logs_->Read("g", "s", {.token = bad}), ErrorCode::kInvalidArgument);
  }
}

TEST_F(SqliteLogStoreTest, FilterInterleavesStreamsByTimestamp) {
  GANTRY_ASSERT_OK(
      logs_->Append("g", "web", {LogEvent{kBase + 1, "w1"}, LogEvent{kBase + 4, "w4"}}, true));
  GANTRY_ASSERT_OK(
      logs_->Append("g", "db", {LogEvent{kBase + 2, "d2"}, LogEvent{kBase + 3, "d3"}}, true));
  GANTRY_ASSERT_OK(logs_->Append("g", "web-2", {LogEvent{kBase + 3, "x3"}}, true));
  GANTRY_ASSERT_OK(logs_->Append("other", "web", {LogEvent{kBase, "not this group"}}, true));

  GANTRY_ASSERT_OK_AND_ASSIGN(auto all, logs_->Filter("g", {}));
  // Equal timestamps fall back to id (append) order: d3 was appended before x3.
  EXPECT_EQ(Messages(all.events),
            (std::vector<std::string>{"web:w1", "db:d2", "db:d3", "web-2:x3", "web:w4"}));
  EXPECT_TRUE(all.next_token.empty());

  GANTRY_ASSERT_OK_AND_ASSIGN(auto named, logs_->Filter("g", {.streams = {"db", "web-2", "nope"}}));
  EXPECT_EQ(Messages(named.events), (std::vector<std::string>{"db:d2", "db:d3", "web-2:x3"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto prefixed, logs_->Filter("g", {.stream_prefix = "web"}));
  EXPECT_EQ(Messages(prefixed.events), (std::vector<std::string>{"web:w1", "web-2:x3", "web:w4"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto missing, logs_->Filter("g", {.streams = {"nope"}}));
  EXPECT_TRUE(missing.events.empty());
  EXPECT_TRUE(missing.next_token.empty());
  GANTRY_ASSERT_OK_AND_ASSIGN(auto window,
                              logs_->Filter("g", {.start_ms = kBase + 2, .end_ms = kBase + 4}));
  EXPECT_EQ(Messages(window.events), (std::vector<std::string>{"db:d2", "db:d3", "web-2:x3"}));
}

TEST_F(SqliteLogStoreTest, FilterPatternTermsAndPhrases) {
  GANTRY_ASSERT_OK(logs_->Append(
      "g", "s",
      {LogEvent{kBase, "ERROR disk full on /dev/sda"}, LogEvent{kBase + 1, "INFO all good"},
       LogEvent{kBase + 2, "ERROR full disk"}, LogEvent{kBase + 3, "error disk full (lowercase)"}},
      true));
  auto filter = [&](const std::string& pattern) {
    auto r = logs_->Filter("g", {.pattern = pattern});
    EXPECT_TRUE(r.ok()) << r.error().message;
    std::vector<int64_t> ts;
    if (r.ok()) {
      for (const auto& e : r->events) ts.push_back(e.event.timestamp_ms - kBase);
    }
    return ts;
  };
  EXPECT_EQ(filter(""), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(filter("ERROR"), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(filter("  ERROR   full "), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(filter("\"disk full\""), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(filter("ERROR \"disk full\""), (std::vector<int64_t>{0}));
  EXPECT_EQ(filter("nothing-matches"), (std::vector<int64_t>{}));
  GANTRY_EXPECT_ERROR(logs_->Filter("g", {.pattern = "\"unterminated"}),
                      ErrorCode::kInvalidArgument);
}

TEST_F(SqliteLogStoreTest, FilterPagesUntilTheTokenIsEmpty) {
  GANTRY_ASSERT_OK(logs_->Append("g", "a", Events(kBase, 30, "a"), true));
  GANTRY_ASSERT_OK(logs_->Append("g", "b", Events(kBase, 30, "b"), true));
  FilterOptions opts{.pattern = "1", .limit = 4};  // 1, 10..19 and 21 in each stream: 12 each
  std::vector<std::string> got;
  for (int page = 0; page < 100; ++page) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto r, logs_->Filter("g", opts));
    EXPECT_LE(r.events.size(), 4u);
    for (auto& m : Messages(r.events)) got.push_back(m);
    if (r.next_token.empty()) break;
    opts.token = r.next_token;
  }
  ASSERT_EQ(got.size(), 24u);
  EXPECT_EQ(got[0], "a:a 1");
  EXPECT_EQ(got[1], "b:b 1");
  EXPECT_EQ(got.back(), "b:b 21");
}

TEST_F(SqliteLogStoreTest, FilterFindsARareMatchAcrossScanBudgets) {
  std::vector<LogEvent> noise = Events(kBase, 150000, "noise");
  noise[140000].message = "the needle";
  GANTRY_ASSERT_OK(logs_->Append("g", "s", noise, true));
  FilterOptions opts{.pattern = "needle"};
  std::vector<std::string> got;
  int pages = 0;
  for (; pages < 100; ++pages) {
    GANTRY_ASSERT_OK_AND_ASSIGN(auto r, logs_->Filter("g", opts));
    for (auto& m : Messages(r.events)) got.push_back(m);
    if (r.next_token.empty()) break;
    opts.token = r.next_token;
  }
  EXPECT_EQ(got, (std::vector<std::string>{"s:the needle"}));
  EXPECT_GT(pages, 0);  // the scan was cut into more than one call
}

TEST_F(SqliteLogStoreTest, FilterErrors) {
  GANTRY_EXPECT_ERROR(logs_->Filter("g", {}), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_EXPECT_ERROR(logs_->Filter("g", {.streams = {"a"}, .stream_prefix = "b"}),
                      ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(logs_->Filter("g", {.token = "b/1/1"}), ErrorCode::kInvalidArgument);
  GANTRY_EXPECT_ERROR(logs_->Filter("g", {.token = "junk"}), ErrorCode::kInvalidArgument);
}

TEST_F(SqliteLogStoreTest, RetentionDeletesOnlyExpiredEvents) {
  const int64_t now = kBase + 10 * kDayMs;
  GANTRY_ASSERT_OK(
      logs_->Append("short", "s",
                    {LogEvent{now - 3 * kDayMs, "old"}, LogEvent{now - 2 * kDayMs, "old2"},
                     LogEvent{now - kDayMs / 2, "fresh"}},
                    true));
  GANTRY_ASSERT_OK(logs_->Append("forever", "s", {LogEvent{now - 9 * kDayMs, "ancient"}}, true));
  GANTRY_EXPECT_ERROR(logs_->SetRetention("missing", 1), ErrorCode::kNotFound);
  GANTRY_EXPECT_ERROR(logs_->SetRetention("short", 0), ErrorCode::kInvalidArgument);
  GANTRY_ASSERT_OK(logs_->SetRetention("short", 1));

  GANTRY_ASSERT_OK_AND_ASSIGN(auto groups, logs_->ListGroups("short"));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].retention_days, 1);

  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t removed, logs_->EnforceRetention(now));
  EXPECT_EQ(removed, 2);
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t again, logs_->EnforceRetention(now));
  EXPECT_EQ(again, 0);
  EXPECT_EQ(ReadAll("short", "s", 100), (std::vector<std::string>{"fresh"}));
  EXPECT_EQ(ReadAll("forever", "s", 100), (std::vector<std::string>{"ancient"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto streams, logs_->ListStreams("short", ""));
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].stored_bytes, 5);
  EXPECT_EQ(streams[0].first_event_ms, now - kDayMs / 2);

  // Clearing the retention keeps everything from then on.
  GANTRY_ASSERT_OK(logs_->SetRetention("short", std::nullopt));
  GANTRY_ASSERT_OK_AND_ASSIGN(int64_t none, logs_->EnforceRetention(now + 100 * kDayMs));
  EXPECT_EQ(none, 0);
}

TEST_F(SqliteLogStoreTest, DeleteGroupRemovesStreamsAndEvents) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 5), true));
  GANTRY_ASSERT_OK(logs_->DeleteGroup("g"));
  GANTRY_EXPECT_ERROR(logs_->Read("g", "s", {}), ErrorCode::kNotFound);
  GANTRY_ASSERT_OK(logs_->CreateGroup("g", kBase));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto streams, logs_->ListStreams("g", ""));
  EXPECT_TRUE(streams.empty());
  GANTRY_ASSERT_OK(logs_->Append("g", "s", {}, true));
  EXPECT_TRUE(ReadAll("g", "s", 10).empty());
}

TEST_F(SqliteLogStoreTest, DeleteStreamRemovesOnlyThatStream) {
  GANTRY_ASSERT_OK(logs_->Append("g", "a", Events(kBase, 3), true));
  GANTRY_ASSERT_OK(logs_->Append("g", "b", Events(kBase, 2), true));
  GANTRY_ASSERT_OK(logs_->DeleteStream("g", "a"));
  GANTRY_EXPECT_ERROR(logs_->Read("g", "a", {}), ErrorCode::kNotFound);
  EXPECT_EQ(ReadAll("g", "b", 10).size(), 2u);
  GANTRY_ASSERT_OK_AND_ASSIGN(auto streams, logs_->ListStreams("g", ""));
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].name, "b");
  GANTRY_EXPECT_ERROR(logs_->DeleteStream("g", "a"), ErrorCode::kNotFound);
  GANTRY_EXPECT_ERROR(logs_->DeleteStream("missing", "b"), ErrorCode::kNotFound);
  // A stream of the same name starts empty.
  GANTRY_ASSERT_OK(logs_->CreateStream("g", "a", kBase));
  EXPECT_TRUE(ReadAll("g", "a", 10).empty());
}

TEST_F(SqliteLogStoreTest, EventIdsOnlyGrowEvenAfterDeletes) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 3), true));
  const int64_t last = logs_->LastEventId();
  EXPECT_GE(last, 3);
  GANTRY_ASSERT_OK(logs_->DeleteGroup("g"));
  Reopen();
  EXPECT_EQ(logs_->LastEventId(), last);
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 1), true));
  EXPECT_GT(logs_->LastEventId(), last);
}

TEST_F(SqliteLogStoreTest, DataSurvivesReopen) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 3), true));
  GANTRY_ASSERT_OK(logs_->SetRetention("g", 7));
  Reopen();
  EXPECT_EQ(ReadAll("g", "s", 2), (std::vector<std::string>{"line 0", "line 1", "line 2"}));
  GANTRY_ASSERT_OK_AND_ASSIGN(auto groups, logs_->ListGroups("g"));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].retention_days, 7);
}

TEST_F(SqliteLogStoreTest, WaitForNewEventsWakesOnAppend) {
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase, 1), true));
  const int64_t before = logs_->LastEventId();
  EXPECT_EQ(logs_->WaitForNewEvents(before - 1, milliseconds(10000)), before);
  EXPECT_EQ(logs_->WaitForNewEvents(before, milliseconds(5)), before);

  std::atomic<int64_t> seen{-1};
  std::thread follower([&] { seen = logs_->WaitForNewEvents(before, milliseconds(10000)); });
  GANTRY_ASSERT_OK(logs_->Append("g", "s", Events(kBase + 1, 1), false));
  follower.join();
  EXPECT_GT(seen.load(), before);
  EXPECT_EQ(seen.load(), logs_->LastEventId());
}

}  // namespace
}  // namespace gantry::store::testing
