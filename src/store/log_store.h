// LogStore: container output and CloudWatch-Logs-style data: groups hold streams, streams hold
// events ordered by (timestamp, sequence). Reads page with opaque tokens. The native API reads a
// task's logs through the (group, stream) recorded on its containers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::store {

struct LogEvent {
  int64_t timestamp_ms = 0;  // when the line was produced
  std::string message;       // one line, without the trailing newline
  int64_t ingestion_ms = 0;  // set by the store on append
  int64_t id = 0;            // store-assigned, unique and increasing across the store
};

struct LogGroupInfo {
  std::string name;
  int64_t created_ms = 0;
  std::optional<int> retention_days;
  int64_t stored_bytes = 0;
};

struct LogStreamInfo {
  std::string group;
  std::string name;
  int64_t created_ms = 0;
  std::optional<int64_t> first_event_ms;
  std::optional<int64_t> last_event_ms;
  int64_t last_ingestion_ms = 0;
  int64_t stored_bytes = 0;
};

struct ReadOptions {
  std::optional<int64_t> start_ms;  // inclusive
  std::optional<int64_t> end_ms;    // exclusive
  std::string token;                // from a previous page; empty = start
  size_t limit = 10000;
  bool start_from_head = true;      // false: the newest `limit` events (still returned oldest first)
};

struct ReadPage {
  std::vector<LogEvent> events;  // oldest first
  std::string next_forward_token;   // always set; same token back at the end of the stream
  std::string next_backward_token;
};

struct FilterOptions {
  std::vector<std::string> streams;  // empty = all streams in the group
  std::string stream_prefix;
  std::optional<int64_t> start_ms;
  std::optional<int64_t> end_ms;
  std::string pattern;  // plain terms, all must appear (CloudWatch's simplest filter syntax)
  std::string token;
  size_t limit = 10000;
};

struct FilteredEvent {
  std::string stream;
  LogEvent event;
};

struct FilterPage {
  std::vector<FilteredEvent> events;  // interleaved across streams, by (timestamp, id)
  std::string next_token;             // empty when there is nothing more right now
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  // Groups and streams are created on demand by Append when `create` is true.
  virtual Result<void> CreateGroup(const std::string& group, int64_t now_ms) = 0;
  virtual Result<void> DeleteGroup(const std::string& group) = 0;
  virtual Result<void> SetRetention(const std::string& group, std::optional<int> days) = 0;
  virtual Result<std::vector<LogGroupInfo>> ListGroups(const std::string& prefix) = 0;
  virtual Result<void> CreateStream(const std::string& group, const std::string& stream,
                                    int64_t now_ms) = 0;
  virtual Result<std::vector<LogStreamInfo>> ListStreams(const std::string& group,
                                                         const std::string& prefix) = 0;
  // Removes the stream and its events. kNotFound if the group or the stream does not exist.
  virtual Result<void> DeleteStream(const std::string& group, const std::string& stream) = 0;

  // Appends events in order. kNotFound if the group/stream is missing and !create.
  virtual Result<void> Append(const std::string& group, const std::string& stream,
                              const std::vector<LogEvent>& events, bool create) = 0;
  virtual Result<ReadPage> Read(const std::string& group, const std::string& stream,
                                const ReadOptions& opts) = 0;
  virtual Result<FilterPage> Filter(const std::string& group, const FilterOptions& opts) = 0;

  // Deletes events older than each group's retention. Returns how many were removed.
  virtual Result<int64_t> EnforceRetention(int64_t now_ms) = 0;

  // The id of the newest event in the store (0 when empty).
  virtual int64_t LastEventId() = 0;
  // Blocks until LastEventId() > after_id or the timeout passes; returns LastEventId().
  // Followers read, remember LastEventId() from before the read, and wait on it: no lost wakeups.
  virtual int64_t WaitForNewEvents(int64_t after_id, std::chrono::milliseconds timeout) = 0;
};

// The SQLite log store lives in its own database file next to the state store, so heavy log
// traffic never blocks state transactions.
Result<std::unique_ptr<LogStore>> OpenSqliteLogStore(const std::string& path);

}  // namespace gantry::store
