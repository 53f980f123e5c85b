// Pure parts of the runtime module: log line splitting and reading, user resolution, the OCI
// config, and the task-state record formats.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "common/file_util.h"
#include "runtime/container_log.h"
#include "runtime/oci_spec.h"
#include "runtime/task_cgroup.h"
#include "runtime/task_state.h"
#include "test_env.h"

namespace gantry::runtime {
namespace {

TEST(LineSplitterTest, SplitsBuffersAndCaps) {
  LineSplitter s(false);
  std::string out;
  s.Feed("a\nbc", 5, out);
  EXPECT_EQ(out, "5 stdout a\n");
  s.Feed("d\n\n", 6, out);
  EXPECT_EQ(out, "5 stdout a\n6 stdout bcd\n6 stdout \n");
  out.clear();
  s.Feed(std::string(kMaxLogLine + 10, 'x') + "\n", 7, out);
  EXPECT_EQ(out, "7 stdout " + std::string(kMaxLogLine, 'x') + "\n7 stdout xxxxxxxxxx\n");
  out.clear();
  LineSplitter e(true);
  e.Feed("tail", 8, out);
  EXPECT_EQ(out, "");
  e.Flush(9, out);
  EXPECT_EQ(out, "9 stderr tail\n");
}

TEST(LineSplitterTest, CapAppliesAcrossFeeds) {
  LineSplitter s(false);
  std::string out;
  s.Feed(std::string(kMaxLogLine - 1, 'y'), 1, out);
  s.Feed("zz\n", 2, out);
  EXPECT_EQ(out, "2 stdout " + std::string(kMaxLogLine - 1, 'y') + "z\n2 stdout z\n");
}

TEST(ReadLogLinesTest, ReadsCompleteLinesFromOffset) {
  std::string path = testing::ScratchDir() + "/log-read.log";
  std::ofstream(path) << "100 stdout one\n200 stderr two words\n300 stdout par";
  auto c = ReadLogLines(path, 0);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->lines.size(), 2u);
  EXPECT_EQ(c->lines[0].timestamp_ms, 100);
  EXPECT_FALSE(c->lines[0].is_stderr);
  EXPECT_EQ(c->lines[0].text, "one");
  EXPECT_TRUE(c->lines[1].is_stderr);
  EXPECT_EQ(c->lines[1].text, "two words");
  EXPECT_EQ(c->next_offset, 36);
  auto again = ReadLogLines(path, c->next_offset);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->lines.empty());
  EXPECT_EQ(again->next_offset, 36);
  std::ofstream(path, std::ios::app) << "tial\n";
  again = ReadLogLines(path, c->next_offset);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->lines.size(), 1u);
  EXPECT_EQ(again->lines[0].text, "partial");
  auto limited = ReadLogLines(path, 0, 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->lines.size(), 1u);
  EXPECT_EQ(limited->next_offset, 15);
  EXPECT_EQ(ReadLogLines(path + ".missing", 0).error().code, ErrorCode::kNotFound);
}

TEST(ResolveUserTest, NamesNumbersAndGroups) {
  const std::string& root = testing::BusyboxRootfs();
  if (root.empty()) GTEST_SKIP() << "busybox-static not installed";
  auto u = ResolveUser(root, "");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->home, "/root");
  u = ResolveUser(root, "app");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_EQ(u->additional_gids, std::vector<uint32_t>{2000});
  u = ResolveUser(root, "1000:extra");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->gid, 2000u);
  EXPECT_TRUE(u->additional_gids.empty());
  u = ResolveUser(root, "777");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 777u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(ResolveUser(root, "ghost").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ResolveUser(root, "app:ghosts").error().code, ErrorCode::kInvalidArgument);
}

TEST(OciSpecTest, BuildsExpectedConfig) {
  const std::string& root = testing::BusyboxRootfs();
  if (root.empty()) GTEST_SKIP() << "busybox-static not installed";
  TaskSpec t;
  t.task_id = "abc123";
  t.netns_path = "/run/gantry/netns/x";
  ContainerSpec c;
  c.name = "web";
  c.args = {"sh"};
  c.rootfs = root;
  c.cpu_shares = 1;
  c.memory_limit_bytes = 1 << 20;
  c.memory_reservation_bytes = 1 << 19;
  auto cfg = BuildOciConfig(t, c, {.cgroup_parent = "gantry", .nofile_limit = 20000});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& o = *cfg;
  EXPECT_EQ(o.at("process").at("terminal"), false);
  EXPECT_EQ(o.at("root").at("readonly"), false);
  EXPECT_EQ(o.at("linux").at("cgroupsPath"), "/gantry/abc123/web");
  const auto& res = o.at("linux").at("resources");
  EXPECT_EQ(res.at("cpu").at("shares"), 2);
  EXPECT_EQ(res.at("memory").at("limit"), 1 << 20);
  EXPECT_EQ(res.at("memory").at("reservation"), 1 << 19);
  EXPECT_EQ(res.at("pids").at("limit"), 4096);
  EXPECT_EQ(o.at("process").at("rlimits").at(0).at("hard"), 20000);
  bool has_net = false;
  for (const auto& ns : o.at("linux").at("namespaces").as_array()) {
    if (ns.at("type") == "network") {
      has_net = true;
      EXPECT_EQ(ns.at("path"), "/run/gantry/netns/x");
    }
  }
  EXPECT_TRUE(has_net);
  t.netns_path.clear();
  cfg = BuildOciConfig(t, c, {});
  ASSERT_TRUE(cfg.ok());
  for (const auto& ns : cfg->at("linux").at("namespaces").as_array())
    EXPECT_NE(ns.at("type"), "network");
  c.args.clear();
  EXPECT_FALSE(BuildOciConfig(t, c, {}).ok());
}

TEST(TaskStateTest, RoundTrips) {
  ShimConfig cfg;
  cfg.task.task_id = "t1";
  cfg.task.dir = "/x";
  cfg.task.cpu_units = 256;
  ContainerSpec c;
  c.name = "a";
  c.args = {"echo", "hi there"};
  c.essential = false;
  c.stop_timeout_s = 7;
  cfg.task.containers.push_back(c);
  cfg.runtime_binary = "runc";
  cfg.cgroup_parent = "gp";
  auto back = ParseShimConfig(SerializeShimConfig(cfg));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->task.cpu_units, 256);
  EXPECT_EQ(back->task.containers[0].args[1], "hi there");
  EXPECT_FALSE(back->task.containers[0].essential);
  EXPECT_EQ(back->task.containers[0].stop_timeout_s, 7);
  EXPECT_EQ(back->runtime_binary, "runc");

  ContainerRecord rec;
  rec.status.name = "a";
  rec.status.state = ContainerState::kExited;
  rec.status.exit_code = 137;
  rec.status.oom_killed = true;
  rec.deleted = true;
  auto r = ParseContainerRecord(SerializeContainerRecord(rec));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status.exit_code, 137);
  EXPECT_TRUE(r->status.oom_killed);
  EXPECT_TRUE(r->deleted);
  EXPECT_EQ(r->status.state, ContainerState::kExited);

  auto id = IdentifyProcess(::getpid());
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(IsAlive(*id));
  auto parsed = ParseIdentity(SerializeIdentity(*id));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->start_time, id->start_time);
  EXPECT_FALSE(IsAlive({id->pid, id->start_time + 1}));
}

TEST(TaskCgroupTest, QuotaAndRefusals) {
  EXPECT_EQ(CfsQuotaUs(1024), 100000);
  EXPECT_EQ(CfsQuotaUs(256), 25000);
  EXPECT_EQ(CfsQuotaUs(2), 1000);
  EXPECT_FALSE(RemoveTaskCgroup("gantry", "").ok());
  EXPECT_FALSE(RemoveTaskCgroup("", "x").ok());
  EXPECT_FALSE(RemoveTaskCgroup("gantry", "..").ok());
}

}  // namespace
}  // namespace gantry::runtime
