#include "aws/logs_service.h"

#include "adapter_fixture.h"

namespace gantry::aws {
namespace {

namespace json = boost::json;

class LogsServiceTest : public testing::AdapterTest {
 protected:
  void SetUp() override {
    AdapterTest::SetUp();
    svc_ = std::make_unique<LogsService>(*logs_, clock_, model::Account{});
  }
  void TearDown() override {
    svc_.reset();
    AdapterTest::TearDown();
  }
  void Put(const std::string& group, const std::string& stream,
           const std::vector<std::pair<int64_t, std::string>>& events,
           const std::string& region = "us-east-1") {
    json::array a;
    for (const auto& [ts, msg] : events) a.push_back(json::object{{"timestamp", ts}, {"message", msg}});
    json::object in{{"logGroupName", group}, {"logStreamName", stream}, {"logEvents", a}};
    Ok(*svc_, "PutLogEvents", json::serialize(in), region);
  }
  int64_t Now() const { return clock_.now; }

  std::unique_ptr<LogsService> svc_;
};

TEST_F(LogsServiceTest, GroupsArePerRegionWithAwsErrors) {
  Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"/ecs/a"})");
  Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"/ecs/a"})", "eu-west-1");
  auto e = Err(*svc_, "CreateLogGroup", R"({"logGroupName":"/ecs/a"})");
  EXPECT_EQ(e.type, "ResourceAlreadyExistsException");
  EXPECT_EQ(Err(*svc_, "CreateLogGroup", R"({"logGroupName":"bad:name"})").type,
            "InvalidParameterException");
  for (int i = 0; i < 4; ++i)
    Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"/ecs/b)" + std::to_string(i) + "\"}");
  auto p = Ok(*svc_, "DescribeLogGroups", R"({"logGroupNamePrefix":"/ecs/b","limit":3})");
  ASSERT_EQ(p["logGroups"].as_array().size(), 3u);
  auto g0 = p["logGroups"].as_array()[0].as_object();
  EXPECT_EQ(S(g0["logGroupName"]), "/ecs/b0");
  EXPECT_EQ(S(g0["arn"]), "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/b0:*");
  EXPECT_EQ(g0["creationTime"].as_int64(), Now());  // milliseconds
  auto p2 = Ok(*svc_, "DescribeLogGroups",
               R"({"logGroupNamePrefix":"/ecs/b","limit":3,"nextToken":")" + S(p["nextToken"]) +
                   "\"}");
  EXPECT_EQ(p2["logGroups"].as_array().size(), 1u);
  EXPECT_FALSE(p2.contains("nextToken"));
  EXPECT_EQ(Ok(*svc_, "DescribeLogGroups", "{}", "eu-west-1")["logGroups"].as_array().size(), 1u);

  Ok(*svc_, "DeleteLogGroup", R"({"logGroupName":"/ecs/a"})", "eu-west-1");
  e = Err(*svc_, "DeleteLogGroup", R"({"logGroupName":"/ecs/a"})", "eu-west-1");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "The specified log group does not exist.");
  EXPECT_EQ(Ok(*svc_, "DescribeLogGroups", R"({"logGroupNamePrefix":"/ecs/a"})")["logGroups"]
                .as_array()
                .size(),
            1u);
}

TEST_F(LogsServiceTest, StreamsEventsAndTokens) {
  Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"g"})");
  EXPECT_EQ(Err(*svc_, "CreateLogStream", R"({"logGroupName":"missing","logStreamName":"s"})").message,
            "The specified log group does not exist.");
  Ok(*svc_, "CreateLogStream", R"({"logGroupName":"g","logStreamName":"s1"})");
  Ok(*svc_, "CreateLogStream", R"({"logGroupName":"g","logStreamName":"s2"})");
  EXPECT_EQ(Err(*svc_, "CreateLogStream", R"({"logGroupName":"g","logStreamName":"s1"})").type,
            "ResourceAlreadyExistsException");
  auto e = Err(*svc_, "PutLogEvents",
               R"({"logGroupName":"g","logStreamName":"nope","logEvents":[{"timestamp":)" +
                   std::to_string(Now()) + R"(,"message":"x"}]})");
  EXPECT_EQ(e.message, "The specified log stream does not exist.");

  int64_t t = Now() - 10000;
  Put("g", "s1", {{t, "one"}, {t + 2, "three error"}});
  Put("g", "s2", {{t + 1, "two error"}, {t + 3, "four"}});
  auto r = Ok(*svc_, "PutLogEvents",
              R"({"logGroupName":"g","logStreamName":"s1","logEvents":[)"
              R"({"timestamp":)" + std::to_string(Now() - 15LL * 86400000) + R"(,"message":"old"},)"
              R"({"timestamp":)" + std::to_string(Now() - 15LL * 86400000 + 1) + R"(,"message":"old2"}]})");
  EXPECT_TRUE(r.contains("nextSequenceToken"));
  EXPECT_EQ(r["rejectedLogEventsInfo"].as_object()["tooOldLogEventEndIndex"].as_int64(), 2);
  r = Ok(*svc_, "PutLogEvents",
         R"({"logGroupName":"g","logStreamName":"s1","logEvents":[)"
         R"({"timestamp":)" + std::to_string(t + 5) + R"(,"message":"five"},)"
         R"({"timestamp":)" + std::to_string(Now() + 3LL * 3600000) + R"(,"message":"new"}]})");
  EXPECT_EQ(r["rejectedLogEventsInfo"].as_object()["tooNewLogEventStartIndex"].as_int64(), 1);
  EXPECT_EQ(Err(*svc_, "PutLogEvents",
                R"({"logGroupName":"g","logStreamName":"s1","logEvents":[{"timestamp":)" +
                    std::to_string(Now() - 2LL * 86400000) + R"(,"message":"a"},{"timestamp":)" +
                    std::to_string(Now()) + R"(,"message":"b"}]})")
                .message,
            "The batch of log events in a single PutLogEvents request cannot span more than 24 "
            "hours.");
  EXPECT_EQ(Err(*svc_, "PutLogEvents",
                R"({"logGroupName":"g","logStreamName":"s1","logEvents":[{"timestamp":)" +
                    std::to_string(t + 9) + R"(,"message":"b"},{"timestamp":)" +
                    std::to_string(t + 8) + R"(,"message":"a"}]})")
                .type,
            "InvalidParameterException");

  // GetLogEvents from the head, two at a time, until the same token comes back.
  std::vector<std::string> seen;
  std::string token;
  for (int i = 0; i < 5; ++i) {
    std::string in = R"({"logGroupName":"g","logStreamName":"s1","startFromHead":true,"limit":2)";
    if (!token.empty()) in += R"(,"nextToken":")" + token + "\"";
    auto page = Ok(*svc_, "GetLogEvents", in + "}");
    for (auto& ev : page["events"].as_array()) seen.push_back(S(ev.as_object()["message"]));
    std::string next = S(page["nextForwardToken"]);
    EXPECT_TRUE(page.contains("nextBackwardToken"));
    if (next == token) break;
    token = next;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "three error", "five"}));
  // Default: the newest events (startFromHead false).
  auto tail = Ok(*svc_, "GetLogEvents", R"({"logGroupName":"g","logStreamName":"s1","limit":1})");
  EXPECT_EQ(S(tail["events"].as_array()[0].as_object()["message"]), "five");

  auto f = Ok(*svc_, "FilterLogEvents", R"({"logGroupName":"g","filterPattern":"error","interleaved":true})");
  auto& evs = f["events"].as_array();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(S(evs[0].as_object()["message"]), "two error");
  EXPECT_EQ(S(evs[0].as_object()["logStreamName"]), "s2");
  EXPECT_FALSE(S(evs[0].as_object()["eventId"]).empty());
  EXPECT_EQ(S(evs[1].as_object()["logStreamName"]), "s1");
  auto only = Ok(*svc_, "FilterLogEvents",
                 R"({"logGroupName":"g","logStreamNames":["s2"],"startTime":)" +
                     std::to_string(t + 2) + R"(,"endTime":)" + std::to_string(t + 3) + "}");
  ASSERT_EQ(only["events"].as_array().size(), 1u);  // endTime inclusive
  EXPECT_EQ(S(only["events"].as_array()[0].as_object()["message"]), "four");

  auto streams = Ok(*svc_, "DescribeLogStreams",
                    R"({"logGroupName":"g","orderBy":"LastEventTime","descending":true})");
  EXPECT_EQ(S(streams["logStreams"].as_array()[0].as_object()["logStreamName"]), "s1");
  auto p = Ok(*svc_, "DescribeLogStreams", R"({"logGroupName":"g","limit":1})");
  EXPECT_EQ(S(p["logStreams"].as_array()[0].as_object()["logStreamName"]), "s1");
  auto p2 = Ok(*svc_, "DescribeLogStreams",
               R"({"logGroupName":"g","limit":1,"nextToken":")" + S(p["nextToken"]) + "\"}");
  EXPECT_EQ(S(p2["logStreams"].as_array()[0].as_object()["logStreamName"]), "s2");
  EXPECT_EQ(Err(*svc_, "DescribeLogStreams",
                R"({"logGroupName":"g","orderBy":"LastEventTime","logStreamNamePrefix":"s"})")
                .type,
            "InvalidParameterException");
}

TEST_F(LogsServiceTest, DeleteLogStream) {
  Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"d"})");
  Ok(*svc_, "CreateLogStream", R"({"logGroupName":"d","logStreamName":"s"})");
  Put("d", "s", {{Now() - 1000, "gone soon"}});
  Ok(*svc_, "DeleteLogStream", R"({"logGroupName":"d","logStreamName":"s"})");
  auto streams = Ok(*svc_, "DescribeLogStreams", R"({"logGroupName":"d"})");
  EXPECT_TRUE(streams["logStreams"].as_array().empty());
  auto e = Err(*svc_, "DeleteLogStream", R"({"logGroupName":"d","logStreamName":"s"})");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "The specified log stream does not exist.");
  EXPECT_EQ(Err(*svc_, "DeleteLogStream", R"({"logGroupName":"nope","logStreamName":"s"})").message,
            "The specified log group does not exist.");
}

TEST_F(LogsServiceTest, RetentionHidesExpiredEvents) {
  Ok(*svc_, "CreateLogGroup", R"({"logGroupName":"r"})");
  Ok(*svc_, "CreateLogStream", R"({"logGroupName":"r","logStreamName":"s"})");
  Put("r", "s", {{Now() - 2LL * 86400000, "two days ago"}});
  Put("r", "s", {{Now() - 1000, "recent"}});
  EXPECT_EQ(Err(*svc_, "PutRetentionPolicy", R"({"logGroupName":"r","retentionInDays":2})").type,
            "InvalidParameterException");
  Ok(*svc_, "PutRetentionPolicy", R"({"logGroupName":"r","retentionInDays":1})");
  auto g = Ok(*svc_, "DescribeLogGroups", R"({"logGroupNamePrefix":"r"})");
  EXPECT_EQ(g["logGroups"].as_array()[0].as_object()["retentionInDays"].as_int64(), 1);
  auto read = Ok(*svc_, "GetLogEvents", R"({"logGroupName":"r","logStreamName":"s","startFromHead":true})");
  ASSERT_EQ(read["events"].as_array().size(), 1u);
  EXPECT_EQ(S(read["events"].as_array()[0].as_object()["message"]), "recent");
  EXPECT_EQ(Ok(*svc_, "FilterLogEvents", R"({"logGroupName":"r"})")["events"].as_array().size(), 1u);
  Ok(*svc_, "DeleteRetentionPolicy", R"({"logGroupName":"r"})");
  EXPECT_EQ(Ok(*svc_, "FilterLogEvents", R"({"logGroupName":"r"})")["events"].as_array().size(), 2u);
}

}  // namespace
}  // namespace gantry::aws
