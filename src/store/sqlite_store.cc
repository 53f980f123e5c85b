// SqliteStore: the embedded Store. One connection guarded by a mutex; every Txn is one
// BEGIN IMMEDIATE transaction that takes exactly one new revision. The change feed is a table
// written in the same transaction as the objects, so the feed and the state can never disagree.
#include "store/sqlite_store.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "store/prefix_range.h"
#include "store/sqlite_db.h"

namespace gantry::store {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS objects(
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  revision INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  PRIMARY KEY(kind, key));
CREATE TABLE IF NOT EXISTS changes(
  id INTEGER PRIMARY KEY,
  revision INTEGER NOT NULL,
  type INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  create_revision INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS changes_by_revision ON changes(revision);
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(name, value)
  VALUES ('schema_version', 1), ('revision', 0), ('compact_revision', 0);
)sql";

constexpr int kChangePut = 0;
constexpr int kChangeDelete = 1;

Result<void> ValidateOp(const Op& op) {
  if (op.kind.empty() || op.key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "store op on '{}/{}': kind and key are required",
                     op.kind, op.key);
  }
  if (op.expected_revision < kAnyRevision) {
    return MakeError(ErrorCode::kInvalidArgument, "store op on {}/{}: bad expected revision {}",
                     op.kind, op.key, op.expected_revision);
  }
  return Ok();
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteDb> db, const SqliteStoreOptions& options)
      : db_(std::move(db)), options_(options) {}

  Result<void> Init() {
    GANTRY_TRY(db_->Exec(kSchema));
    GANTRY_ASSIGN_OR_RETURN(int64_t revision, ReadMeta("revision"));
    GANTRY_ASSIGN_OR_RETURN(compact_revision_, ReadMeta("compact_revision"));
    visible_revision_ = revision;
    return Ok();
  }

  Result<std::optional<Object>> Get(const std::string& kind, const std::string& key) override {
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("SELECT value, revision, create_revision FROM objects "
                                         "WHERE kind = ?1 AND key = ?2"));
    stmt.Bind(1, kind).Bind(2, key);
    GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Object>();
    return std::optional<Object>(
        Object{kind, key, stmt.ColumnText(0), stmt.ColumnInt(1), stmt.ColumnInt(2)});
  }

  Result<std::vector<Object>> List(const std::string& kind, const ListOptions& opts) override {
    // Text compares with memcmp (BINARY collation), so a key range is a byte-order prefix range
    // that the primary key index serves directly.
    std::optional<std::string> upper = PrefixUpperBound(opts.prefix);
    std::lock_guard lock(mu_);
    // Two statements rather than "?4 IS NULL OR key < ?4", which the planner cannot use as an
    // index bound.
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement stmt,
        db_->Prepare(upper ? "SELECT key, value, revision, create_revision FROM objects "
                             "WHERE kind = ?1 AND key >= ?2 AND key > ?3 AND key < ?4 "
                             "ORDER BY key LIMIT ?5"
                           : "SELECT key, value, revision, create_revision FROM objects "
                             "WHERE kind = ?1 AND key >= ?2 AND key > ?3 "
                             "ORDER BY key LIMIT ?5"));
    stmt.Bind(1, kind).Bind(2, opts.prefix).Bind(3, opts.start_after);
    if (upper) stmt.Bind(4, *upper);
    stmt.Bind(5, opts.limit == 0 ? int64_t{-1} : static_cast<int64_t>(opts.limit));
    std::vector<Object> out;
    for (;;) {
      GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(Object{kind, stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnInt(2),
                           stmt.ColumnInt(3)});
    }
    return out;
  }

  Result<int64_t> Txn(const std::vector<Op>& ops) override {
    for (const Op& op : ops) GANTRY_TRY(ValidateOp(op));
    std::lock_guard lock(mu_);
    GANTRY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*db_));
    // Read inside the write lock: correct even if a tool wrote the file while we were closed.
    GANTRY_ASSIGN_OR_RETURN(int64_t current, ReadMeta("revision"));
    const int64_t revision = current + 1;
    bool changed = false;
    for (const Op& op : ops) {
      GANTRY_ASSIGN_OR_RETURN(bool op_changed, Apply(op, revision));
      changed = changed || op_changed;
    }
    // Nothing written (empty txn, or only deletes of absent keys): no new revision, so watchers
    // are not woken for nothing. `txn` rolls back on scope exit.
    if (!changed) return current;

    GANTRY_TRY(WriteMeta("revision", revision));
    int64_t compact_revision = compact_revision_;
    if (options_.compact_every > 0 && revision % options_.compact_every == 0 &&
        revision - options_.keep_revisions > compact_revision) {
      compact_revision = revision - options_.keep_revisions;
      GANTRY_ASSIGN_OR_RETURN(SqliteStatement del,
                              db_->Prepare("DELETE FROM changes WHERE revision <= ?1"));
      GANTRY_TRY(del.Bind(1, compact_revision).Run());
      GANTRY_TRY(WriteMeta("compact_revision", compact_revision));
    }
    GANTRY_TRY(txn.Commit());
    compact_revision_ = compact_revision;
    {
      std::lock_guard rev_lock(rev_mu_);
      visible_revision_ = revision;
    }
    rev_cv_.notify_all();
    return revision;
  }

  int64_t CurrentRevision() override {
    std::lock_guard rev_lock(rev_mu_);
    return visible_revision_;
  }

  Result<std::vector<Event>> Changes(int64_t since, size_t limit) override {
    since = std::max<int64_t>(since, 0);
    std::lock_guard lock(mu_);
    if (since < compact_revision_) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "store changes since revision {}: compacted up to revision {}, re-list",
                       since, compact_revision_);
    }
    std::vector<Event> events;
    {
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement stmt,
          db_->Prepare("SELECT revision, type, kind, key, value, create_revision FROM changes "
                       "WHERE revision > ?1 ORDER BY revision, id LIMIT ?2"));
      stmt.Bind(1, since).Bind(2, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
      GANTRY_TRY(ReadEvents(stmt, events));
    }
    if (limit == 0 || events.size() < limit) return events;

    // A page never splits a revision: the caller resumes from the last revision it saw, so a
    // half-delivered transaction would lose its other events.
    const int64_t last = events.back().object.revision;
    auto first_of_last = std::find_if(events.begin(), events.end(),
                                      [&](const Event& e) { return e.object.revision == last; });
    const auto delivered = static_cast<int64_t>(events.end() - first_of_last);
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement count,
                            db_->Prepare("SELECT COUNT(*) FROM changes WHERE revision = ?1"));
    count.Bind(1, last);
    GANTRY_ASSIGN_OR_RETURN(bool row, count.Step());
    if (!row || count.ColumnInt(0) == delivered) return events;
    if (first_of_last != events.begin()) {
      events.erase(first_of_last, events.end());
      return events;
    }
    // One transaction larger than the page: deliver it whole.
    events.clear();
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement all,
        db_->Prepare("SELECT revision, type, kind, key, value, create_revision FROM changes "
                     "WHERE revision = ?1 ORDER BY id"));
    all.Bind(1, last);
    GANTRY_TRY(ReadEvents(all, events));
    return events;
  }

  int64_t WaitForChange(int64_t since, std::chrono::milliseconds timeout) override {
    std::unique_lock rev_lock(rev_mu_);
    rev_cv_.wait_for(rev_lock, std::max(timeout, std::chrono::milliseconds(0)),
                     [&] { return visible_revision_ > since; });
    return visible_revision_;
  }

 private:
  // Applies one op at `revision`; false when it changed nothing (delete of an absent key).
  Result<bool> Apply(const Op& op, int64_t revision) {
    std::optional<int64_t> existing_revision;
    int64_t create_revision = revision;
    {
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement get,
          db_->Prepare(
              "SELECT revision, create_revision FROM objects WHERE kind = ?1 AND key = ?2"));
      get.Bind(1, op.kind).Bind(2, op.key);
      GANTRY_ASSIGN_OR_RETURN(bool row, get.Step());
      if (row) {
        existing_revision = get.ColumnInt(0);
        create_revision = get.ColumnInt(1);
      }
    }
    GANTRY_TRY(CheckExpected(op, existing_revision));

    if (op.type == Op::Type::kDelete) {
      if (!existing_revision) return false;
      GANTRY_ASSIGN_OR_RETURN(SqliteStatement del,
                              db_->Prepare("DELETE FROM objects WHERE kind = ?1 AND key = ?2"));
      GANTRY_TRY(del.Bind(1, op.kind).Bind(2, op.key).Run());
    } else {
      GANTRY_ASSIGN_OR_RETURN(
          SqliteStatement put,
          db_->Prepare("INSERT INTO objects(kind, key, value, revision, create_revision) "
                       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, key) DO UPDATE SET "
                       "value = excluded.value, revision = excluded.revision"));
      GANTRY_TRY(put.Bind(1, op.kind)
                     .Bind(2, op.key)
                     .Bind(3, op.value)
                     .Bind(4, revision)
                     .Bind(5, create_revision)
                     .Run());
    }
    const bool is_delete = op.type == Op::Type::kDelete;
    GANTRY_ASSIGN_OR_RETURN(
        SqliteStatement change,
        db_->Prepare("INSERT INTO changes(revision, type, kind, key, value, create_revision) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    GANTRY_TRY(change.Bind(1, revision)
                   .Bind(2, int64_t{is_delete ? kChangeDelete : kChangePut})
                   .Bind(3, op.kind)
                   .Bind(4, op.key)
                   .Bind(5, is_delete ? std::string_view() : std::string_view(op.value))
                   .Bind(6, create_revision)
                   .Run());
    return true;
  }

  static Result<void> CheckExpected(const Op& op, std::optional<int64_t> existing) {
    if (op.expected_revision == kAnyRevision) return Ok();
    if (op.expected_revision == kMustNotExist) {
      if (existing) {
        return MakeError(ErrorCode::kAlreadyExists, "{}/{} already exists (revision {})", op.kind,
                         op.key, *existing);
      }
      return Ok();
    }
    if (!existing) {
      return MakeError(ErrorCode::kNotFound, "{}/{} not found (expected revision {})", op.kind,
                       op.key, op.expected_revision);
    }
    if (*existing != op.expected_revision) {
      return MakeError(ErrorCode::kConflict, "{}/{} is at revision {}, expected {}", op.kind,
                       op.key, *existing, op.expected_revision);
    }
    return Ok();
  }

  static Result<void> ReadEvents(SqliteStatement& stmt, std::vector<Event>& out) {
    for (;;) {
      GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Ok();
      Event e;
      e.type = stmt.ColumnInt(1) == kChangeDelete ? Event::Type::kDelete : Event::Type::kPut;
      e.object = Object{stmt.ColumnText(2), stmt.ColumnText(3), stmt.ColumnText(4),
                        stmt.ColumnInt(0), stmt.ColumnInt(5)};
      out.push_back(std::move(e));
    }
  }

  Result<int64_t> ReadMeta(const std::string& name) {
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("SELECT value FROM meta WHERE name = ?1"));
    stmt.Bind(1, name);
    GANTRY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return MakeError(ErrorCode::kInternal, "sqlite {}: meta row '{}' missing", db_->path(), name);
    }
    return stmt.ColumnInt(0);
  }

  Result<void> WriteMeta(const std::string& name, int64_t value) {
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                            db_->Prepare("UPDATE meta SET value = ?2 WHERE name = ?1"));
    return stmt.Bind(1, name).Bind(2, value).Run();
  }

  std::mutex mu_;  // guards db_ and compact_revision_
  std::unique_ptr<SqliteDb> db_;
  const SqliteStoreOptions options_;
  int64_t compact_revision_ = 0;  // change events with revision <= this are gone

  std::mutex rev_mu_;  // separate from mu_ so waiters never contend with SQL work
  std::condition_variable rev_cv_;
  int64_t visible_revision_ = 0;  // newest committed revision
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteStoreOptions& options) {
  if (options.keep_revisions < 1 || options.compact_every < 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "sqlite store {}: keep_revisions and compact_every must be positive", path);
  }
  GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  auto store = std::make_unique<SqliteStore>(std::move(db), options);
  GANTRY_TRY(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, SqliteStoreOptions{});
}

}  // namespace gantry::store
