#include "aws/logs_service.h"

#include <boost/json.hpp>

#include <algorithm>

#include "aws/list_paging.h"
#include "common/json_util.h"
#include "model/region.h"

namespace gantry::aws {

namespace json = boost::json;

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kMaxPastMs = 14 * kDayMs;    // PutLogEvents rejects older events
constexpr int64_t kMaxFutureMs = 2 * 3600 * 1000;  // ... and events further ahead than this
constexpr int kValidRetentionDays[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150, 180,
                                       365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

AwsError Logs(const char* type, std::string message, int status = 400) {
  return AwsError{status, type, std::move(message)};
}
AwsError GroupNotFound() {
  return Logs("ResourceNotFoundException", "The specified log group does not exist.");
}
AwsError StreamNotFound() {
  return Logs("ResourceNotFoundException", "The specified log stream does not exist.");
}
AwsError FromError(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return Logs("InvalidParameterException", e.message);
    case ErrorCode::kNotFound:
      return Logs("ResourceNotFoundException", e.message);
    case ErrorCode::kAlreadyExists:
      return Logs("ResourceAlreadyExistsException", e.message);
    case ErrorCode::kConflict:
    case ErrorCode::kUnavailable:
      return Logs("ServiceUnavailableException", e.message, 500);
    default:
      return Logs("ServiceUnavailableException", e.message, 500);
  }
}

#define LOGS_GET(lhs, expr)                                         \
  auto GANTRY_CONCAT(logs_r_, __LINE__) = (expr);                   \
  if (!GANTRY_CONCAT(logs_r_, __LINE__).ok())                       \
    return FromError(GANTRY_CONCAT(logs_r_, __LINE__).error());     \
  lhs = std::move(GANTRY_CONCAT(logs_r_, __LINE__)).value()

std::string Str(const json::object& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}
std::optional<int64_t> Int(const json::object& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end()) return std::nullopt;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().as_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().as_double());
  return std::nullopt;
}
bool Bool(const json::object& in, const char* key, bool def) {
  auto it = in.find(key);
  if (it == in.end() || !it->value().is_bool()) return def;
  return it->value().as_bool();
}

bool ValidGroupName(const std::string& n) {
  if (n.empty() || n.size() > 512) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '/' || c == '#';
    if (!ok) return false;
  }
  return true;
}
bool ValidStreamName(const std::string& n) {
  return !n.empty() && n.size() <= 512 && n.find(':') == std::string::npos &&
         n.find('*') == std::string::npos;
}

// logGroupName, or logGroupIdentifier (a name or arn:aws:logs:<r>:<a>:log-group:<name>[:*]).
std::string GroupNameOf(const json::object& in) {
  std::string n = Str(in, "logGroupName");
  if (!n.empty()) return n;
  n = Str(in, "logGroupIdentifier");
  if (n.rfind("arn:", 0) == 0) {
    auto p = n.find(":log-group:");
    if (p == std::string::npos) return {};
    n = n.substr(p + 11);
    if (n.size() >= 2 && n.compare(n.size() - 2, 2, ":*") == 0) n.resize(n.size() - 2);
  }
  return n;
}

}  // namespace

struct LogsService::Ctx {
  std::string region;
  const json::object& in;
};

LogsService::LogsService(store::LogStore& logs, const Clock& clock, model::Account account)
    : logs_(logs), clock_(clock), account_(std::move(account)) {
  ops_ = {{"CreateLogGroup", &LogsService::CreateLogGroup},
          {"DeleteLogGroup", &LogsService::DeleteLogGroup},
          {"DescribeLogGroups", &LogsService::DescribeLogGroups},
          {"PutRetentionPolicy", &LogsService::PutRetentionPolicy},
          {"DeleteRetentionPolicy", &LogsService::DeleteRetentionPolicy},
          {"CreateLogStream", &LogsService::CreateLogStream},
          {"DeleteLogStream", &LogsService::DeleteLogStream},
          {"DescribeLogStreams", &LogsService::DescribeLogStreams},
          {"PutLogEvents", &LogsService::PutLogEvents},
          {"GetLogEvents", &LogsService::GetLogEvents},
          {"FilterLogEvents", &LogsService::FilterLogEvents}};
}

AwsResult LogsService::Call(const AwsCall& call) {
  auto it = ops_.find(call.operation);
  if (it == ops_.end())
    return Logs("InvalidOperationException",
                "The operation " + call.operation + " is not supported by gantry's Logs API.");
  std::string region = call.region.empty() ? account_.region : call.region;
  if (!model::IsValidRegion(region))
    return Logs("InvalidParameterException", "Invalid region '" + region + "'.");
  Ctx ctx{region, call.input};
  try {
    return (this->*(it->second))(ctx);
  } catch (const std::exception& e) {
    return Logs("ServiceUnavailableException", std::string("internal error: ") + e.what(), 500);
  }
}

std::variant<store::LogGroupInfo, AwsError> LogsService::Group(const Ctx& c,
                                                               const std::string& name) {
  if (!ValidGroupName(name))
    return Logs("InvalidParameterException",
                "1 validation error detected: Value '" + name +
                    "' at 'logGroupName' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  std::string stored = model::RegionalLogGroup(c.region, name);
  auto groups = logs_.ListGroups(stored);
  if (!groups.ok()) return FromError(groups.error());
  for (auto& g : *groups) {
    if (g.name == stored) return std::move(g);
  }
  return GroupNotFound();
}

int64_t LogsService::RetentionFloor(const store::LogGroupInfo& g) const {
  if (!g.retention_days) return INT64_MIN;
  return clock_.NowMs() - *g.retention_days * kDayMs;
}

// ---- groups

AwsResult LogsService::CreateLogGroup(const Ctx& c) {
  std::string name = Str(c.in, "logGroupName");
  if (!ValidGroupName(name))
    return Logs("InvalidParameterException", "Invalid log group name '" + name + "'.");
  auto r = logs_.CreateGroup(model::RegionalLogGroup(c.region, name), clock_.NowMs());
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kAlreadyExists)
      return Logs("ResourceAlreadyExistsException", "The specified log group already exists");
    return FromError(r.error());
  }
  return json::object{};
}

AwsResult LogsService::DeleteLogGroup(const Ctx& c) {
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  auto r = logs_.DeleteGroup(std::get<store::LogGroupInfo>(g).name);
  if (!r.ok()) return r.error().code == ErrorCode::kNotFound ? GroupNotFound() : FromError(r.error());
  return json::object{};
}

AwsResult LogsService::DescribeLogGroups(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "limit", 50, 50);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  std::string prefix = Str(c.in, "logGroupNamePrefix");
  if (prefix.empty()) prefix = Str(c.in, "logGroupNamePattern");  // substring match on AWS
  LOGS_GET(auto groups, logs_.ListGroups(model::RegionalLogGroup(c.region, prefix)));
  json::object out;
  WritePage(groups, std::get<PageRequest>(page), out, "logGroups", "nextToken",
            [&](const store::LogGroupInfo& g) {
              std::string name = model::LogGroupInRegion(g.name, c.region);
              std::string arn = fmt::format("arn:aws:logs:{}:{}:log-group:{}", c.region,
                                            account_.account_id, name);
              json::object o{{"logGroupName", name},
                             {"creationTime", g.created_ms},
                             {"metricFilterCount", 0},
                             {"arn", arn + ":*"},
                             {"logGroupArn", arn},
                             {"storedBytes", g.stored_bytes},
                             {"logGroupClass", "STANDARD"}};
              if (g.retention_days) o["retentionInDays"] = *g.retention_days;
              return json::value(std::move(o));
            });
  return out;
}

AwsResult LogsService::PutRetentionPolicy(const Ctx& c) {
  auto days = Int(c.in, "retentionInDays");
  if (!days || std::find(std::begin(kValidRetentionDays), std::end(kValidRetentionDays), *days) ==
                   std::end(kValidRetentionDays))
    return Logs("InvalidParameterException",
                fmt::format("1 validation error detected: Value '{}' at 'retentionInDays' failed "
                            "to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, "
                            "7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, "
                            "2192, 2557, 2922, 3288, 3653]",
                            days.value_or(0)));
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  auto r = logs_.SetRetention(std::get<store::LogGroupInfo>(g).name, static_cast<int>(*days));
  if (!r.ok()) return FromError(r.error());
  return json::object{};
}

AwsResult LogsService::DeleteRetentionPolicy(const Ctx& c) {
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  auto r = logs_.SetRetention(std::get<store::LogGroupInfo>(g).name, std::nullopt);
  if (!r.ok()) return FromError(r.error());
  return json::object{};
}

// ---- streams

AwsResult LogsService::CreateLogStream(const Ctx& c) {
  std::string stream = Str(c.in, "logStreamName");
  if (!ValidStreamName(stream))
    return Logs("InvalidParameterException", "Invalid log stream name '" + stream + "'.");
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  auto r = logs_.CreateStream(std::get<store::LogGroupInfo>(g).name, stream, clock_.NowMs());
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kAlreadyExists)
      return Logs("ResourceAlreadyExistsException", "The specified log stream already exists");
    if (r.error().code == ErrorCode::kNotFound) return GroupNotFound();
    return FromError(r.error());
  }
  return json::object{};
}

AwsResult LogsService::DeleteLogStream(const Ctx& c) {
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  auto r = logs_.DeleteStream(std::get<store::LogGroupInfo>(g).name, Str(c.in, "logStreamName"));
  if (!r.ok()) return r.error().code == ErrorCode::kNotFound ? StreamNotFound() : FromError(r.error());
  return json::object{};
}

AwsResult LogsService::DescribeLogStreams(const Ctx& c) {
  auto page = ReadPageRequest(c.in, "nextToken", "limit", 50, 50);
  if (auto* e = std::get_if<AwsError>(&page)) return *e;
  std::string group_name = GroupNameOf(c.in);
  auto g = Group(c, group_name);
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  std::string prefix = Str(c.in, "logStreamNamePrefix");
  std::string order = Str(c.in, "orderBy");
  if (order.empty()) order = "LogStreamName";
  if (order != "LogStreamName" && order != "LastEventTime")
    return Logs("InvalidParameterException", "orderBy must be LogStreamName or LastEventTime");
  if (order == "LastEventTime" && !prefix.empty())
    return Logs("InvalidParameterException",
                "Cannot order by LastEventTime with a logStreamNamePrefix.");
  LOGS_GET(auto streams, logs_.ListStreams(std::get<store::LogGroupInfo>(g).name, prefix));
  if (order == "LastEventTime") {
    std::stable_sort(streams.begin(), streams.end(), [](const auto& a, const auto& b) {
      return a.last_event_ms.value_or(0) < b.last_event_ms.value_or(0);
    });
  }
  if (Bool(c.in, "descending", false)) std::reverse(streams.begin(), streams.end());
  json::object out;
  WritePage(streams, std::get<PageRequest>(page), out, "logStreams", "nextToken",
            [&](const store::LogStreamInfo& s) {
              json::object o{
                  {"logStreamName", s.name},
                  {"creationTime", s.created_ms},
                  {"arn", fmt::format("arn:aws:logs:{}:{}:log-group:{}:log-stream:{}", c.region,
                                      account_.account_id, group_name, s.name)},
                  {"storedBytes", s.stored_bytes}};
              if (s.first_event_ms) o["firstEventTimestamp"] = *s.first_event_ms;
              if (s.last_event_ms) o["lastEventTimestamp"] = *s.last_event_ms;
              if (s.last_ingestion_ms) o["lastIngestionTime"] = s.last_ingestion_ms;
              o["uploadSequenceToken"] = fmt::format("{:056d}", s.last_ingestion_ms);
              return json::value(std::move(o));
            });
  return out;
}

// ---- events

AwsResult LogsService::PutLogEvents(const Ctx& c) {
  auto g = Group(c, Str(c.in, "logGroupName"));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  const auto& group = std::get<store::LogGroupInfo>(g);
  std::string stream = Str(c.in, "logStreamName");
  const json::array* arr = nullptr;
  if (auto* v = c.in.if_contains("logEvents"); v && v->is_array()) arr = &v->as_array();
  if (!arr || arr->empty())
    return Logs("InvalidParameterException", "logEvents must contain at least 1 event.");
  if (arr->size() > 10000)
    return Logs("InvalidParameterException", "logEvents can contain at most 10000 events.");
  int64_t now = clock_.NowMs();
  int64_t floor = std::max(now - kMaxPastMs, RetentionFloor(group));
  std::vector<store::LogEvent> events;
  std::optional<size_t> too_new_start;
  size_t too_old_end = 0, expired_end = 0;
  int64_t prev = INT64_MIN, first = 0;
  for (size_t i = 0; i < arr->size(); ++i) {
    if (!(*arr)[i].is_object())
      return Logs("InvalidParameterException", "logEvents items must be objects.");
    const auto& e = (*arr)[i].as_object();
    auto ts = Int(e, "timestamp");
    if (!ts) return Logs("InvalidParameterException", "logEvents[].timestamp is required.");
    if (*ts < prev)
      return Logs("InvalidParameterException",
                  "Log events in a single PutLogEvents request must be in chronological order.");
    if (i == 0) first = *ts;
    if (*ts - first > kDayMs)
      return Logs("InvalidParameterException",
                  "The batch of log events in a single PutLogEvents request cannot span more "
                  "than 24 hours.");
    prev = *ts;
    if (*ts < now - kMaxPastMs) {
      too_old_end = i + 1;
      continue;
    }
    if (*ts < floor) {
      expired_end = i + 1;
      continue;
    }
    if (*ts > now + kMaxFutureMs) {
      if (!too_new_start) too_new_start = i;
      continue;
    }
    events.push_back(store::LogEvent{*ts, Str(e, "message"), 0, 0});
  }
  if (!events.empty()) {
    auto r = logs_.Append(group.name, stream, events, /*create=*/false);
    if (!r.ok()) {
      if (r.error().code == ErrorCode::kNotFound) return StreamNotFound();
      return FromError(r.error());
    }
  } else {
    // Still AWS's answer for a missing stream.
    auto streams = logs_.ListStreams(group.name, stream);
    if (!streams.ok()) return FromError(streams.error());
    if (std::none_of(streams->begin(), streams->end(),
                     [&](const store::LogStreamInfo& s) { return s.name == stream; }))
      return StreamNotFound();
  }
  json::object out{{"nextSequenceToken", fmt::format("{:056d}", logs_.LastEventId())}};
  if (too_new_start || too_old_end || expired_end) {
    json::object info;
    if (too_new_start) info["tooNewLogEventStartIndex"] = static_cast<int64_t>(*too_new_start);
    if (too_old_end) info["tooOldLogEventEndIndex"] = static_cast<int64_t>(too_old_end);
    if (expired_end) info["expiredLogEventEndIndex"] = static_cast<int64_t>(expired_end);
    out["rejectedLogEventsInfo"] = std::move(info);
  }
  return out;
}

AwsResult LogsService::GetLogEvents(const Ctx& c) {
  auto g = Group(c, GroupNameOf(c.in));
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  const auto& group = std::get<store::LogGroupInfo>(g);
  store::ReadOptions ro;
  ro.start_from_head = Bool(c.in, "startFromHead", false);
  ro.token = Str(c.in, "nextToken");
  auto limit = Int(c.in, "limit");
  if (limit && (*limit < 1 || *limit > 10000))
    return Logs("InvalidParameterException", "limit must be between 1 and 10000");
  ro.limit = static_cast<size_t>(limit.value_or(10000));
  if (auto s = Int(c.in, "startTime")) ro.start_ms = *s;
  if (auto e = Int(c.in, "endTime")) ro.end_ms = *e;
  if (int64_t floor = RetentionFloor(group); floor != INT64_MIN)
    ro.start_ms = std::max(ro.start_ms.value_or(INT64_MIN), floor);
  auto page = logs_.Read(group.name, Str(c.in, "logStreamName"), ro);
  if (!page.ok()) {
    if (page.error().code == ErrorCode::kNotFound) return StreamNotFound();
    return FromError(page.error());
  }
  json::array events;
  for (const auto& e : page->events)
    events.push_back(json::object{
        {"timestamp", e.timestamp_ms}, {"message", e.message}, {"ingestionTime", e.ingestion_ms}});
  return json::object{{"events", events},
                      {"nextForwardToken", page->next_forward_token},
                      {"nextBackwardToken", page->next_backward_token}};
}

AwsResult LogsService::FilterLogEvents(const Ctx& c) {
  std::string group_name = GroupNameOf(c.in);
  auto g = Group(c, group_name);
  if (auto* e = std::get_if<AwsError>(&g)) return *e;
  const auto& group = std::get<store::LogGroupInfo>(g);
  store::FilterOptions fo;
  if (auto* v = c.in.if_contains("logStreamNames"); v && v->is_array()) {
    for (const auto& s : v->as_array())
      if (s.is_string()) fo.streams.emplace_back(s.as_string());
  }
  fo.stream_prefix = Str(c.in, "logStreamNamePrefix");
  if (!fo.streams.empty() && !fo.stream_prefix.empty())
    return Logs("InvalidParameterException",
                "logStreamNames and logStreamNamePrefix are mutually exclusive");
  if (auto s = Int(c.in, "startTime")) fo.start_ms = *s;
  if (auto e = Int(c.in, "endTime")) fo.end_ms = *e + 1;  // AWS's endTime is inclusive here
  if (int64_t floor = RetentionFloor(group); floor != INT64_MIN)
    fo.start_ms = std::max(fo.start_ms.value_or(INT64_MIN), floor);
  fo.pattern = Str(c.in, "filterPattern");
  fo.token = Str(c.in, "nextToken");
  auto limit = Int(c.in, "limit");
  if (limit && (*limit < 1 || *limit > 10000))
    return Logs("InvalidParameterException", "limit must be between 1 and 10000");
  fo.limit = static_cast<size_t>(limit.value_or(10000));
  LOGS_GET(auto page, logs_.Filter(group.name, fo));
  json::array events;
  for (const auto& fe : page.events)
    events.push_back(json::object{{"logStreamName", fe.stream},
                                  {"timestamp", fe.event.timestamp_ms},
                                  {"message", fe.event.message},
                                  {"ingestionTime", fe.event.ingestion_ms},
                                  {"eventId", std::to_string(fe.event.id)}});
  json::object out{{"events", events}, {"searchedLogStreams", json::array{}}};
  if (!page.next_token.empty()) out["nextToken"] = page.next_token;
  return out;
}

}  // namespace gantry::aws
