// SqliteLogStore: the embedded LogStore, in its own database file. Events live in one table keyed
// by an AUTOINCREMENT id (never reused, so LastEventId() only grows even after deletes), with one
// index per read path: (stream, ts) for Read and (group, ts) for Filter. SQLite appends the rowid
// to every index, so both indexes are really ordered by (ts_ms, id).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.h"
#include "store/log_pattern.h"
#include "store/log_store.h"
#include "store/log_token.h"
#include "store/prefix_range.h"
#include "store/sqlite_db.h"

namespace gantry::store {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS log_groups(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  retention_days INTEGER);
CREATE TABLE IF NOT EXISTS log_streams(
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  first_event_ms INTEGER,
  last_event_ms INTEGER,
  last_ingestion_ms INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE(group_id, name));
CREATE TABLE IF NOT EXISTS log_events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  ingest_ms INTEGER NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events(stream_id, ts_ms);
CREATE INDEX IF NOT EXISTS log_events_by_group ON log_events(group_id, ts_ms);
)sql";

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr size_t kMaxPage = 10000;
// Filter reads this many rows per query and gives up (returning a token) after kFilterScanBudget
// rows, so a rare pattern over a huge group never holds the store for long.
constexpr int64_t kFilterBatch = 1000;
constexpr int64_t kFilterScanBudget = 100000;
constexpr int64_t kMsPerDay = 24 * 60 * 60 * 1000;

bool Before(const LogPosition& a, const LogPosition& b) {
  return a.timestamp_ms < b.timestamp_ms || (a.timestamp_ms == b.timestamp_ms && a.id < b.id);
}

int64_t SaturatingAdd(int64_t v, int64_t d) {
  if (d > 0 && v > kMax - d) return kMax;
  if (d < 0 && v < kMin - d) return kMin;
  return v + d;
}

size_t PageLimit(size_t limit) { return limit == 0 || limit > kMaxPage ? kMaxPage : limit; }

// Both bounds exclusive: lower < (ts, id) < upper.
constexpr const char* kRangeWhere =
    "ts_ms >= ?2 AND (ts_ms > ?2 OR id > ?3) AND ts_ms <= ?4 AND (ts_ms < ?4 OR id < ?5)";

class SqliteLogStore final : public LogStore {
 public:
  explicit SqliteLogStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Result<void> Init() {
    GANTRY_TRY(db_->Exec(kSchema));
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'log_events'), 0)"));
    GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    last_event_id_ = row ? stmt.ColumnInt(0) : 0;
    return Ok();
  }

  Result<void> CreateGroup(const std::string& group, int64_t now_ms) override {
    GANTRY_TRY(ValidateName("log group", group));
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> id, FindGroup(group));
    if (id) return MakeError(ErrorCode::kAlreadyExists, "log group {} already exists", group);
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> created, InsertGroup(group, now_ms));
    (void)created;
    return Ok();
  }

  Result<void> DeleteGroup(const std::string& group) override {
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*db_));
    GANTRY_ASSIGN_OR_RETURN(int64_t id, RequireGroup(group));
    for (const char* sql :
         {"DELETE FROM log_events WHERE group_id = ?1",
          "DELETE FROM log_streams WHERE group_id = ?1", "DELETE FROM log_groups WHERE id = ?1"}) {
      GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare(sql));
      GANTRY_TRY(stmt.Bind(1, id).Run());
    }
    return txn.Commit();
  }

  Result<void> SetRetention(const std::string& group, std::optional<int> days) override {
    if (days && *days <= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "log group {}: retention must be a positive number of days, got {}", group,
                       *days);
    }
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(int64_t id, RequireGroup(group));
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare("UPDATE log_groups SET retention_days = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).Bind(2, days ? std::optional<int64_t>(*days) : std::nullopt);
    return stmt.Run();
  }

  Result<std::vector<LogGroupInfo>> ListGroups(const std::string& prefix) override {
    std::optional<std::string> upper = PrefixUpperBound(prefix);
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare(fmt::format("SELECT g.name, g.created_ms, g.retention_days, "
                                 "  (SELECT COALESCE(SUM(s.stored_bytes), 0) FROM log_streams s "
                                 "   WHERE s.group_id = g.id) "
                                 "FROM log_groups g WHERE g.name >= ?1 {} ORDER BY g.name",
                                 upper ? "AND g.name < ?2" : "")));
    stmt.Bind(1, prefix);
    if (upper) stmt.Bind(2, *upper);
    std::vector<LogGroupInfo> out;
    for (;;) {
      GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      LogGroupInfo info;
      info.name = stmt.ColumnText(0);
      info.created_ms = stmt.ColumnInt(1);
      if (auto days = stmt.ColumnOptionalInt(2)) info.retention_days = static_cast<int>(*days);
      info.stored_bytes = stmt.ColumnInt(3);
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<void> CreateStream(const std::string& group, const std::string& stream,
                            int64_t now_ms) override {
    GANTRY_TRY(ValidateName("log stream", stream));
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(int64_t group_id, RequireGroup(group));
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> id, FindStream(group_id, stream));
    if (id) {
      return MakeError(ErrorCode::kAlreadyExists, "log stream {}/{} already exists", group, stream);
    }
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> created, InsertStream(group_id, stream, now_ms));
    (void)created;
    return Ok();
  }

  Result<void> DeleteStream(const std::string& group, const std::string& stream) override {
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*db_));
    GANTRY_ASSIGN_OR_RETURN(int64_t group_id, RequireGroup(group));
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> id, FindStream(group_id, stream));
    if (!id) return MakeError(ErrorCode::kNotFound, "log stream {}/{} not found", group, stream);
    for (const char* sql :
         {"DELETE FROM log_events WHERE stream_id = ?1", "DELETE FROM log_streams WHERE id = ?1"}) {
      GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare(sql));
      GANTRY_TRY(stmt.Bind(1, *id).Run());
    }
    return txn.Commit();
  }

  Result<std::vector<LogStreamInfo>> ListStreams(const std::string& group,
                                                 const std::string& prefix) override {
    std::optional<std::string> upper = PrefixUpperBound(prefix);
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(int64_t group_id, RequireGroup(group));
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare(fmt::format("SELECT name, created_ms, first_event_ms, last_event_ms, "
                                 "last_ingestion_ms, stored_bytes FROM log_streams "
                                 "WHERE group_id = ?1 AND name >= ?2 {} ORDER BY name",
                                 upper ? "AND name < ?3" : "")));
    stmt.Bind(1, group_id).Bind(2, prefix);
    if (upper) stmt.Bind(3, *upper);
    std::vector<LogStreamInfo> out;
    for (;;) {
      GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      LogStreamInfo info;
      info.group = group;
      info.name = stmt.ColumnText(0);
      info.created_ms = stmt.ColumnInt(1);
      info.first_event_ms = stmt.ColumnOptionalInt(2);
      info.last_event_ms = stmt.ColumnOptionalInt(3);
      info.last_ingestion_ms = stmt.ColumnInt(4);
      info.stored_bytes = stmt.ColumnInt(5);
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<void> Append(const std::string& group, const std::string& stream,
                      const std::vector<LogEvent>& events, bool create) override {
    GANTRY_TRY(ValidateName("log group", group));
    GANTRY_TRY(ValidateName("log stream", stream));
    const int64_t now_ms = SystemClock::Instance().NowMs();
    int64_t newest_id = 0;
    {
      std::lock_guard lock(mu_);
      GANTRY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*db_));
      GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> group_id, FindGroup(group));
      if (!group_id) {
        if (!create) return MakeError(ErrorCode::kNotFound, "log group {} not found", group);
        GANTRY_ASSIGN_OR_RETURN(group_id, InsertGroup(group, now_ms));
      }
      GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> stream_id, FindStream(*group_id, stream));
      if (!stream_id) {
        if (!create) {
          return MakeError(ErrorCode::kNotFound, "log stream {}/{} not found", group, stream);
        }
        GANTRY_ASSIGN_OR_RETURN(stream_id, InsertStream(*group_id, stream, now_ms));
      }
      if (!events.empty()) {
        int64_t first = kMax;
        int64_t last = kMin;
        int64_t bytes = 0;
        {
          GANTRY_ASSIGN_OR_RETURN(
              SqliteStatement insert,
              db_->Prepare("INSERT INTO log_events(group_id, stream_id, ts_ms, ingest_ms, message) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)"));
          for (const LogEvent& e : events) {
            GANTRY_TRY(insert.Bind(1, *group_id)
                           .Bind(2, *stream_id)
                           .Bind(3, e.timestamp_ms)
                           .Bind(4, now_ms)
                           .Bind(5, e.message)
                           .Run());
            first = std::min(first, e.timestamp_ms);
            last = std::max(last, e.timestamp_ms);
            bytes += static_cast<int64_t>(e.message.size());
          }
        }
        newest_id = db_->LastInsertRowId();
        GANTRY_ASSIGN_OR_RETURN(
            SqliteStatement update,
            db_->Prepare("UPDATE log_streams SET "
                         "first_event_ms = MIN(COALESCE(first_event_ms, ?2), ?2), "
                         "last_event_ms = MAX(COALESCE(last_event_ms, ?3), ?3), "
                         "last_ingestion_ms = ?4, stored_bytes = stored_bytes + ?5 WHERE id = ?1"));
        GANTRY_TRY(update.Bind(1, *stream_id)
                       .Bind(2, first)
                       .Bind(3, last)
                       .Bind(4, now_ms)
                       .Bind(5, bytes)
                       .Run());
      }
      GANTRY_TRY(txn.Commit());
    }
    if (newest_id > 0) {
      {
        std::lock_guard ev_lock(ev_mu_);
        last_event_id_ = std::max(last_event_id_, newest_id);
      }
      ev_cv_.notify_all();
    }
    return Ok();
  }

  Result<ReadPage> Read(const std::string& group, const std::string& stream,
                        const ReadOptions& opts) override {
    LogPosition lower{kMin, 0};
    LogPosition upper{kMax, kMax};
    if (opts.start_ms) lower = std::max(lower, LogPosition{*opts.start_ms, 0}, Before);
    if (opts.end_ms) upper = std::min(upper, LogPosition{*opts.end_ms, 0}, Before);
    std::optional<LogToken> token;
    if (!opts.token.empty()) {
      GANTRY_ASSIGN_OR_RETURN(token, DecodeLogToken(opts.token));
      if (token->direction == LogToken::Direction::kForward) {
        lower = std::max(lower, token->position, Before);
      } else {
        upper = std::min(upper, token->position, Before);
      }
    }
    const bool forward =
        token ? token->direction == LogToken::Direction::kForward : opts.start_from_head;

    ReadPage page;
    {
      std::lock_guard lock(mu_);
      GANTRY_ASSIGN_OR_RETURN(int64_t group_id, RequireGroup(group));
      GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> stream_id, FindStream(group_id, stream));
      if (!stream_id) {
        return MakeError(ErrorCode::kNotFound, "log stream {}/{} not found", group, stream);
      }
      std::string sql = fmt::format(
          "SELECT id, ts_ms, ingest_ms, message FROM log_events WHERE stream_id = ?1 AND {} "
          "ORDER BY ts_ms {}, id {} LIMIT ?6",
          kRangeWhere, forward ? "ASC" : "DESC", forward ? "ASC" : "DESC");
      GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare(sql));
      stmt.Bind(1, *stream_id)
          .Bind(2, lower.timestamp_ms)
          .Bind(3, lower.id)
          .Bind(4, upper.timestamp_ms)
          .Bind(5, upper.id)
          .Bind(6, static_cast<int64_t>(PageLimit(opts.limit)));
      for (;;) {
        GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        page.events.push_back(
            LogEvent{stmt.ColumnInt(1), stmt.ColumnText(3), stmt.ColumnInt(2), stmt.ColumnInt(0)});
      }
    }
    if (!forward) std::reverse(page.events.begin(), page.events.end());

    using Dir = LogToken::Direction;
    if (!page.events.empty()) {
      const LogEvent& first = page.events.front();
      const LogEvent& last = page.events.back();
      page.next_forward_token = EncodeLogToken({Dir::kForward, {last.timestamp_ms, last.id}});
      page.next_backward_token = EncodeLogToken({Dir::kBackward, {first.timestamp_ms, first.id}});
    } else if (token) {
      // At the end in the direction asked: hand the same token back (GetLogEvents' rule), and
      // point the other direction at the same spot.
      const LogPosition& p = token->position;
      if (token->direction == Dir::kForward) {
        page.next_forward_token = opts.token;
        page.next_backward_token =
            EncodeLogToken({Dir::kBackward, {p.timestamp_ms, SaturatingAdd(p.id, 1)}});
      } else {
        page.next_backward_token = opts.token;
        page.next_forward_token =
            EncodeLogToken({Dir::kForward, {p.timestamp_ms, SaturatingAdd(p.id, -1)}});
      }
    } else {
      // Nothing in range yet: continue forward from the start, nothing lies behind.
      page.next_forward_token = EncodeLogToken({Dir::kForward, {kMin, 0}});
      page.next_backward_token = EncodeLogToken({Dir::kBackward, {kMin, 0}});
    }
    return page;
  }

  Result<FilterPage> Filter(const std::string& group, const FilterOptions& opts) override {
    if (!opts.streams.empty() && !opts.stream_prefix.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "filter log group {}: give stream names or a stream prefix, not both",
                       group);
    }
    GANTRY_ASSIGN_OR_RETURN(LogPattern pattern, LogPattern::Parse(opts.pattern));
    LogPosition cursor{kMin, 0};
    if (opts.start_ms) cursor = LogPosition{*opts.start_ms, 0};
    if (!opts.token.empty()) {
      GANTRY_ASSIGN_OR_RETURN(LogToken token, DecodeLogToken(opts.token));
      if (token.direction != LogToken::Direction::kForward) {
        return MakeError(ErrorCode::kInvalidArgument, "filter log group {}: invalid token '{}'",
                         group, opts.token);
      }
      cursor = std::max(cursor, token.position, Before);
    }
    const LogPosition upper = opts.end_ms ? LogPosition{*opts.end_ms, 0} : LogPosition{kMax, kMax};
    const size_t limit = PageLimit(opts.limit);

    FilterPage page;
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(int64_t group_id, RequireGroup(group));
    GANTRY_ASSIGN_OR_RETURN(auto names, StreamNames(group_id));
    const bool stream_filter = !opts.streams.empty() || !opts.stream_prefix.empty();
    std::vector<int64_t> selected;
    if (stream_filter) {
      std::unordered_set<std::string> wanted(opts.streams.begin(), opts.streams.end());
      for (const auto& [id, name] : names) {
        bool match =
            opts.streams.empty() ? name.starts_with(opts.stream_prefix) : wanted.count(name) > 0;
        if (match) selected.push_back(id);
      }
      if (selected.empty()) return page;
      std::sort(selected.begin(), selected.end());
    }

    // The stream set is bound into the SQL text, so this statement is prepared per call.
    std::string sql = fmt::format(
        "SELECT id, ts_ms, ingest_ms, message, stream_id FROM log_events "
        "WHERE group_id = ?1 AND {} {} ORDER BY ts_ms, id LIMIT ?6",
        kRangeWhere,
        stream_filter ? fmt::format("AND stream_id IN ({})", fmt::join(selected, ","))
                      : std::string());
    GANTRY_ASSIGN_OR_RETURN(auto owned, db_->PrepareUncached(sql));
    int64_t scanned = 0;
    for (;;) {
      SqliteStatement stmt = db_->Borrow(owned);
      stmt.Bind(1, group_id)
          .Bind(2, cursor.timestamp_ms)
          .Bind(3, cursor.id)
          .Bind(4, upper.timestamp_ms)
          .Bind(5, upper.id)
          .Bind(6, kFilterBatch);
      int64_t rows = 0;
      for (;;) {
        GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        ++rows;
        ++scanned;
        cursor = LogPosition{stmt.ColumnInt(1), stmt.ColumnInt(0)};
        std::string message = stmt.ColumnText(3);
        if (!pattern.Matches(message)) continue;
        page.events.push_back(FilteredEvent{
            names[stmt.ColumnInt(4)],
            LogEvent{cursor.timestamp_ms, std::move(message), stmt.ColumnInt(2), cursor.id}});
        if (page.events.size() == limit) {
          // More may follow unless this was the last row of a short batch; if unsure, hand out a
          // token and let the next call find nothing.
          GANTRY_ASSIGN_OR_RETURN(bool more, stmt.Step());
          if (more || rows == kFilterBatch) {
            page.next_token = EncodeLogToken({LogToken::Direction::kForward, cursor});
          }
          return page;
        }
      }
      if (rows < kFilterBatch) return page;  // exhausted
      if (scanned >= kFilterScanBudget) {
        page.next_token = EncodeLogToken({LogToken::Direction::kForward, cursor});
        return page;
      }
    }
  }

  Result<int64_t> EnforceRetention(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*db_));
    std::vector<std::pair<int64_t, int64_t>> cutoffs;  // group id, delete events before
    {
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_->Prepare(
              "SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL"));
      for (;;) {
        GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        cutoffs.emplace_back(stmt.ColumnInt(0),
                             SaturatingAdd(now_ms, -stmt.ColumnInt(1) * kMsPerDay));
      }
    }
    int64_t removed = 0;
    for (const auto& [group_id, cutoff] : cutoffs) {
      std::vector<std::pair<int64_t, int64_t>> streams;  // stream id, bytes removed
      {
        GANTRY_ASSIGN_OR_RETURN(
            SqliteStatement stmt,
            db_->Prepare("SELECT stream_id, COUNT(*), SUM(length(CAST(message AS BLOB))) "
                         "FROM log_events WHERE group_id = ?1 AND ts_ms < ?2 GROUP BY stream_id"));
        stmt.Bind(1, group_id).Bind(2, cutoff);
        for (;;) {
          GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
          if (!row) break;
          removed += stmt.ColumnInt(1);
          streams.emplace_back(stmt.ColumnInt(0), stmt.ColumnInt(2));
        }
      }
      if (streams.empty()) continue;
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement del,
          db_->Prepare("DELETE FROM log_events WHERE group_id = ?1 AND ts_ms < ?2"));
      GANTRY_TRY(del.Bind(1, group_id).Bind(2, cutoff).Run());
      // last_event_ms keeps the newest event ever seen, as CloudWatch does.
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement update,
          db_->Prepare("UPDATE log_streams SET stored_bytes = MAX(0, stored_bytes - ?2), "
                       "first_event_ms = (SELECT MIN(ts_ms) FROM log_events WHERE stream_id = ?1) "
                       "WHERE id = ?1"));
      for (const auto& [stream_id, bytes] : streams) {
        GANTRY_TRY(update.Bind(1, stream_id).Bind(2, bytes).Run());
      }
    }
    GANTRY_TRY(txn.Commit());
    return removed;
  }

  int64_t LastEventId() override {
    std::lock_guard ev_lock(ev_mu_);
    return last_event_id_;
  }

  int64_t WaitForNewEvents(int64_t after_id, std::chrono::milliseconds timeout) override {
    std::unique_lock ev_lock(ev_mu_);
    ev_cv_.wait_for(ev_lock, std::max(timeout, std::chrono::milliseconds(0)),
                    [&] { return last_event_id_ > after_id; });
    return last_event_id_;
  }

 private:
  static Result<void> ValidateName(std::string_view what, const std::string& name) {
    if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "{} name is empty", what);
    return Ok();
  }

  Result<std::optional<int64_t>> FindGroup(const std::string& name) {
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("SELECT id FROM log_groups WHERE name = ?1"));
    stmt.Bind(1, name);
    GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<int64_t>();
    return std::optional<int64_t>(stmt.ColumnInt(0));
  }

  Result<int64_t> RequireGroup(const std::string& name) {
    GANTRY_ASSIGN_OR_RETURN(std::optional<int64_t> id, FindGroup(name));
    if (!id) return MakeError(ErrorCode::kNotFound, "log group {} not found", name);
    return *id;
  }

  Result<std::optional<int64_t>> FindStream(int64_t group_id, const std::string& name) {
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare("SELECT id FROM log_streams WHERE group_id = ?1 AND name = ?2"));
    stmt.Bind(1, group_id).Bind(2, name);
    GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<int64_t>();
    return std::optional<int64_t>(stmt.ColumnInt(0));
  }

  Result<std::optional<int64_t>> InsertGroup(const std::string& name, int64_t now_ms) {
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare("INSERT INTO log_groups(name, created_ms) VALUES (?1, ?2)"));
    GANTRY_TRY(stmt.Bind(1, name).Bind(2, now_ms).Run());
    return std::optional<int64_t>(db_->LastInsertRowId());
  }

  Result<std::optional<int64_t>> InsertStream(int64_t group_id, const std::string& name,
                                              int64_t now_ms) {
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare("INSERT INTO log_streams(group_id, name, created_ms) VALUES (?1, ?2, ?3)"));
    GANTRY_TRY(stmt.Bind(1, group_id).Bind(2, name).Bind(3, now_ms).Run());
    return std::optional<int64_t>(db_->LastInsertRowId());
  }

  Result<std::unordered_map<int64_t, std::string>> StreamNames(int64_t group_id) {
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("SELECT id, name FROM log_streams WHERE group_id = ?1"));
    stmt.Bind(1, group_id);
    std::unordered_map<int64_t, std::string> out;
    for (;;) {
      GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      out.emplace(stmt.ColumnInt(0), stmt.ColumnText(1));
    }
  }

  std::mutex mu_;  // guards db_
  std::unique_ptr<SqliteDb> db_;

  std::mutex ev_mu_;  // separate from mu_ so followers never wait behind SQL work
  std::condition_variable ev_cv_;
  int64_t last_event_id_ = 0;
};

}  // namespace

Result<std::unique_ptr<LogStore>> OpenSqliteLogStore(const std::string& path) {
  GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  auto store = std::make_unique<SqliteLogStore>(std::move(db));
  GANTRY_TRY(store->Init());
  return std::unique_ptr<LogStore>(std::move(store));
}

}  // namespace gantry::store
