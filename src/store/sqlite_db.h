// SqliteDb: the one RAII owner of a SQLite connection, with a cache of prepared statements, a
// scoped statement handle that always resets, and a scoped write transaction. Not thread-safe:
// each store serializes access to its connection with its own mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gantry::store {

// A borrowed prepared statement. Destruction resets it and clears its bindings, so a cached
// statement never keeps a read transaction open after its caller is done with it.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, const std::string* db_path) : stmt_(stmt), path_(db_path) {}
  SqliteStatement(SqliteStatement&& o) noexcept : stmt_(o.stmt_), path_(o.path_) {
    o.stmt_ = nullptr;
  }
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQL text (?1, ?2, ...). Text is copied by SQLite.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& Bind(int index, std::optional<int64_t> value);
  SqliteStatement& BindNull(int index);

  // Advances one row: true when a row is available, false when done. A finished (or failed)
  // statement is reset, ready to be re-bound and run again.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows (or whose rows are ignored).
  Result<void> Run();

  int64_t ColumnInt(int column) const;
  std::optional<int64_t> ColumnOptionalInt(int column) const;
  std::string ColumnText(int column) const;

 private:
  sqlite3_stmt* stmt_;
  const std::string* path_;
};

class SqliteDb {
 public:
  // Opens (creating the file and its directory if needed) with WAL journaling,
  // synchronous=NORMAL and a busy timeout. ":memory:" is accepted for tests.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (schema, pragmas).
  Result<void> Exec(const std::string& sql);
  // A cached prepared statement for `sql`; prepared on first use.
  Result<SqliteStatement> Prepare(const std::string& sql);
  // A one-off statement (dynamic SQL); finalized when the returned owner goes away.
  Result<std::shared_ptr<sqlite3_stmt>> PrepareUncached(const std::string& sql);
  SqliteStatement Borrow(const std::shared_ptr<sqlite3_stmt>& stmt) {
    return SqliteStatement(stmt.get(), &path_);
  }

  int64_t LastInsertRowId() const;
  int64_t Changes() const;
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Error LastError(std::string_view what) const;

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE on construction via Begin(); ROLLBACK on destruction unless Commit() succeeded.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> Begin(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  Result<void> Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
};

// Maps a SQLite result code to our error contract: busy/locked -> kUnavailable,
// full -> kResourceExhausted, everything else kInternal.
ErrorCode SqliteErrorCode(int rc);

}  // namespace gantry::store
