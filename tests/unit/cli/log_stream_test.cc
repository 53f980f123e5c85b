#include "cli/log_stream.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <vector>

namespace gantry::cli {
namespace {

namespace json = boost::json;

TEST(LogPageTargetTest, QueryParameters) {
  LogQuery q{.task_id = "0f3c"};
  EXPECT_EQ(LogPageTarget(q), "/v1/tasks/0f3c/logs");
  q.container = "my app";
  q.start_ms = 1000;
  q.wait_seconds = 20;
  EXPECT_EQ(LogPageTarget(q), "/v1/tasks/0f3c/logs?container=my%20app&startTime=1000&wait=20");
  q.next_token = "t/+=1";  // startTime is only for the first page
  EXPECT_EQ(LogPageTarget(q),
            "/v1/tasks/0f3c/logs?container=my%20app&nextToken=t%2F%2B%3D1&wait=20");
}

struct Captured {
  std::FILE* out;
  std::string text;
  bool operator==(const Captured&) const = default;
};

TEST(LogPrinterTest, SplitsStreamsAndKeepsOrder) {
  std::vector<Captured> got;
  LogPrinter p(false, [&](std::FILE* out, std::string_view text) {
    got.push_back({out, std::string(text)});
  });
  p.Print(json::parse(R"([
    {"container":"main","stream":"stdout","message":"a"},
    {"container":"main","stream":"stdout","message":"b\n"},
    {"container":"main","stream":"stderr","message":"oops"},
    {"container":"main","stream":"stdout","message":""},
    "garbage"])")
              .as_array());
  EXPECT_EQ(got, (std::vector<Captured>{{stdout, "a\nb\n"}, {stderr, "oops\n"}, {stdout, "\n"}}));
}

TEST(LogPrinterTest, PrefixesContainerNames) {
  std::string text;
  LogPrinter p(true, [&](std::FILE*, std::string_view t) { text += t; });
  p.Print(json::parse(R"([{"container":"web","message":"up"},{"container":"db","message":"ok"}])")
              .as_array());
  EXPECT_EQ(text, "web | up\ndb | ok\n");
}

}  // namespace
}  // namespace gantry::cli
