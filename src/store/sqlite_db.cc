#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <filesystem>

#include "common/file_util.h"

namespace gantry::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;

Error StatementError(sqlite3_stmt* stmt, const std::string* path, int rc) {
  sqlite3* db = sqlite3_db_handle(stmt);
  const char* sql = sqlite3_sql(stmt);
  return MakeError(SqliteErrorCode(rc), "sqlite {}: {} (running \"{}\")", *path,
                   db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                   sql != nullptr ? sql : "?");
}

}  // namespace

ErrorCode SqliteErrorCode(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_FULL:
      return ErrorCode::kResourceExhausted;
    default:
      return ErrorCode::kInternal;
  }
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  // A null data pointer would bind SQL NULL; an empty string must stay an empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::optional<int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  // Reset once finished (keeping bindings), so the same handle can be re-bound and run again.
  sqlite3_reset(stmt_);
  if (rc == SQLITE_DONE) return false;
  return StatementError(stmt_, path_, rc);
}

Result<void> SqliteStatement::Run() {
  for (;;) {
    GANTRY_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> SqliteStatement::ColumnOptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

std::string SqliteStatement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  if (path.empty()) return MakeError(ErrorCode::kInvalidArgument, "sqlite: empty database path");
  const bool in_memory = path == ":memory:";
  if (!in_memory) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) GANTRY_TRY(MakeDirs(parent.string()));
  }
  sqlite3* raw = nullptr;
  // NOMUTEX: every store serializes access to its connection itself.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return MakeError(SqliteErrorCode(rc), "sqlite {}: open: {}", path, msg);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  if (!in_memory) {
    GANTRY_ASSIGN_OR_RETURN(SqliteStatement wal, db->Prepare("PRAGMA journal_mode=WAL"));
    GANTRY_ASSIGN_OR_RETURN(bool row, wal.Step());
    std::string mode = row ? wal.ColumnText(0) : "";
    if (mode != "wal") {
      return MakeError(ErrorCode::kInternal, "sqlite {}: cannot enable WAL (journal mode is '{}')",
                       path, mode);
    }
  }
  // NORMAL under WAL: a power loss may drop the last commits but never corrupts the database.
  GANTRY_TRY(db->Exec("PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Error SqliteDb::LastError(std::string_view what) const {
  return MakeError(SqliteErrorCode(sqlite3_extended_errcode(db_)), "sqlite {}: {}: {}", path_, what,
                   sqlite3_errmsg(db_));
}

Result<void> SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return MakeError(SqliteErrorCode(rc), "sqlite {}: {} (running \"{}\")", path_, msg, sql);
  }
  return Ok();
}

Result<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return LastError("prepare \"" + sql + "\"");
    it = cache_.emplace(sql, stmt).first;
  }
  return SqliteStatement(it->second, &path_);
}

Result<std::shared_ptr<sqlite3_stmt>> SqliteDb::PrepareUncached(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return LastError("prepare \"" + sql + "\"");
  return std::shared_ptr<sqlite3_stmt>(stmt, [](sqlite3_stmt* s) { sqlite3_finalize(s); });
}

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

Result<SqliteTransaction> SqliteTransaction::Begin(SqliteDb& db) {
  // IMMEDIATE takes the write lock up front, so a transaction never fails half-way with BUSY
  // when another process holds the database.
  GANTRY_ASSIGN_OR_RETURN(SqliteStatement begin, db.Prepare("BEGIN IMMEDIATE"));
  GANTRY_TRY(begin.Run());
  return SqliteTransaction(&db);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_ == nullptr) return;
  auto rollback = db_->Prepare("ROLLBACK");
  if (rollback.ok()) (void)rollback->Run();
}

Result<void> SqliteTransaction::Commit() {
  GANTRY_ASSIGN_OR_RETURN(SqliteStatement commit, db_->Prepare("COMMIT"));
  GANTRY_TRY(commit.Run());
  db_ = nullptr;
  return Ok();
}

}  // namespace gantry::store
