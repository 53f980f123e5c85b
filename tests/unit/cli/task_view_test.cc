#include "cli/task_view.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace gantry::cli {
namespace {

namespace json = boost::json;

json::object Task(const char* text) { return json::parse(text).as_object(); }

constexpr int64_t kNowMs = 1764330065'000;

TEST(TaskViewTest, RunningTaskRow) {
  auto t = Task(R"({
    "taskArn":"arn:aws:ecs:us-east-1:000000000000:task/default/0f3c1a2b3c4d5e6f708192a3b4c5d6e7",
    "taskDefinitionArn":"arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
    "lastStatus":"RUNNING","desiredStatus":"RUNNING","startedBy":"me",
    "createdAt":1764330060.5,
    "containers":[{"name":"main","image":"busybox:latest","lastStatus":"RUNNING"}]})");
  EXPECT_EQ(PsRow(t, kNowMs), (std::vector<std::string>{"0f3c1a2b3c4d", "busybox:latest", "RUNNING",
                                                        "4s ago", "web:3", "me"}));
  EXPECT_EQ(PsHeaders().size(), PsRow(t, kNowMs).size());
}

TEST(TaskViewTest, StoppedWithExitCode) {
  auto t = Task(R"({"lastStatus":"STOPPED","stopCode":"EssentialContainerExited",
    "containers":[{"name":"side","image":"a"},{"name":"main","image":"b","exitCode":3}]})");
  EXPECT_EQ(TaskStatusText(t), "STOPPED (exit 3)");
  EXPECT_EQ(ContainerExitCode(t), 3);
  EXPECT_EQ(ContainerExitCode(t, "main"), 3);
  EXPECT_EQ(ContainerExitCode(t, "side"), std::nullopt);
  EXPECT_EQ(TaskImages(t), "a,b");
  // No startedBy: NAME falls back to the container names.
  EXPECT_EQ(PsRow(t, kNowMs)[5], "side,main");
}

TEST(TaskViewTest, FailedToStart) {
  auto t = Task(R"({"lastStatus":"STOPPED","stopCode":"TaskFailedToStart",
    "stoppedReason":"CannotPullContainerError: image \"x:latest\" not found",
    "containers":[{"name":"main","image":"x"}]})");
  EXPECT_EQ(TaskStatusText(t), "STOPPED (failed to start)");
}

TEST(TaskViewTest, OomReason) {
  auto t = Task(R"({"lastStatus":"STOPPED","containers":[{"name":"main","exitCode":137,
    "reason":"OutOfMemoryError: Container killed due to memory usage"}]})");
  EXPECT_EQ(TaskStatusText(t), "STOPPED (exit 137)");
  EXPECT_EQ(ContainerReason(t, "main"), "OutOfMemoryError: Container killed due to memory usage");
}

TEST(TaskViewTest, MalformedFieldsRenderEmpty) {
  auto t = Task(R"({"taskArn":5,"lastStatus":null,"containers":"nope","createdAt":"x"})");
  auto row = PsRow(t, kNowMs);
  EXPECT_EQ(row, (std::vector<std::string>{"", "", "UNKNOWN", "", "", ""}));
}

TEST(TaskViewTest, FamilyRevisionFromArn) {
  EXPECT_EQ(FamilyRevision("arn:aws:ecs:us-east-1:000000000000:task-definition/run-busybox:12"),
            "run-busybox:12");
  EXPECT_EQ(FamilyRevision("web:1"), "web:1");
}

}  // namespace
}  // namespace gantry::cli
