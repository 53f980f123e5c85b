// Runtime conformance tests against the real OCI runtimes (crun and runc), run as root. Each
// test starts real tasks through the shim and ends by checking that nothing was left behind.
#include "runtime/runtime.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/file_util.h"
#include "agent/health_checker.h"
#include "common/clock.h"
#include "common/overlay_mount.h"
#include "common/ids.h"
#include "common/process.h"
#include "network/netns.h"
#include "runtime/runtime_binary.h"
#include "runtime/task_state.h"
#include "test_env.h"

namespace gantry::runtime {
namespace {

using namespace std::chrono_literals;
using testing::BusyboxRootfs;
using testing::Leftovers;
using testing::MakeTask;
using testing::ReadAll;
using testing::WaitFinished;
using testing::WaitRunning;

class RuntimeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (!testing::HaveBinary(GetParam())) GTEST_SKIP() << GetParam() << " not installed";
    if (BusyboxRootfs().empty()) GTEST_SKIP() << "busybox-static not installed";
    rt_ = NewRuntime();
  }

  std::unique_ptr<Runtime> NewRuntime() {
    return MakeShimRuntime({.runtime_binary = GetParam(),
                            .shim_binary = testing::ShimBinary(),
                            .shim_zygote = true});
  }

  pid_t ShimPid(const TaskSpec& t) {
    auto text = ReadFile(task_paths::ShimPid(t.dir));
    if (!text.ok()) return 0;
    auto id = ParseIdentity(*text);
    return id.ok() ? id->pid : 0;
  }

  // Waits for the task to finish, cleans it up, removes it, and checks nothing is left.
  void Finish(const TaskSpec& t) {
    pid_t shim = ShimPid(t);
    auto st = WaitFinished(*rt_, t.dir, 20s);
    if (!st.ok()) {
      ADD_FAILURE() << st.error().message;
      (void)rt_->Stop(t.dir);
      (void)WaitFinished(*rt_, t.dir, 20s);
    }
    auto c = rt_->Cleanup(t.dir);
    EXPECT_TRUE(c.ok()) << c.error().message;
    auto r = rt_->RemoveTaskDir(t.dir);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(Leftovers(GetParam(), t, shim), "");
  }

  TaskStatus RunToEnd(const TaskSpec& t) {
    auto s = rt_->Start(t);
    EXPECT_TRUE(s.ok()) << s.error().message;
    auto st = WaitFinished(*rt_, t.dir, 20s);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return st.ok() ? *st : TaskStatus{};
  }

  // Runs the task to its end and returns its first container's output lines (exit 0 expected).
  std::vector<std::string> RunForOutput(const TaskSpec& t) {
    auto st = RunToEnd(t);
    std::vector<std::string> out;
    EXPECT_EQ(st.containers.size(), 1u);
    if (st.containers.empty()) return out;
    EXPECT_EQ(st.containers[0].exit_code, 0) << ReadAll(st.containers[0].log_path);
    auto logs = ReadLogLines(st.containers[0].log_path, 0);
    EXPECT_TRUE(logs.ok());
    if (logs.ok())
      for (auto& l : logs->lines) out.push_back(std::move(l.text));
    return out;
  }

  std::unique_ptr<Runtime> rt_;
};

TEST_P(RuntimeTest, EchoExitsZeroAndLogsTimestampedLines) {
  auto t = MakeTask({{"sh", "-c", "echo hello; echo oops >&2"}});
  const int64_t before = NowMs();
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  const auto& c = st.containers[0];
  EXPECT_EQ(c.state, ContainerState::kExited);
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_FALSE(c.oom_killed);
  EXPECT_GE(c.finished_ms, c.started_ms);
  auto logs = ReadLogLines(c.log_path, 0);
  ASSERT_TRUE(logs.ok()) << logs.error().message;
  ASSERT_EQ(logs->lines.size(), 2u) << ReadAll(c.log_path);
  std::vector<std::pair<bool, std::string>> got;
  for (const auto& l : logs->lines) {
    EXPECT_GE(l.timestamp_ms, before);
    EXPECT_LE(l.timestamp_ms, NowMs());
    got.emplace_back(l.is_stderr, l.text);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], std::make_pair(false, std::string("hello")));
  EXPECT_EQ(got[1], std::make_pair(true, std::string("oops")));
  EXPECT_NE(ReadAll(c.log_path).find(" stdout hello\n"), std::string::npos);
  Finish(t);
}

TEST_P(RuntimeTest, ExitCodePassesThrough) {
  auto t = MakeTask({{"sh", "-c", "exit 3"}});
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  EXPECT_EQ(st.containers[0].exit_code, 3);
  EXPECT_FALSE(st.stop_requested);
  ASSERT_TRUE(rt_->Stop(t.dir).ok());  // a finished task has nothing to stop
  EXPECT_FALSE(rt_->Status(t.dir)->stop_requested);
  Finish(t);
}

TEST_P(RuntimeTest, AllOutputCapturedBeforeExitIsRecorded) {
  // 20000 lines then an immediate exit: the exit record must not be written before the pipes
  // are drained. Also one 40000-byte line, split at the 16 KiB cap.
  auto t = MakeTask({{"sh", "-c", "seq 1 20000; head -c 40000 /dev/zero | tr '\\0' x; echo"}});
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  EXPECT_EQ(st.containers[0].exit_code, 0);
  auto logs = ReadLogLines(st.containers[0].log_path, 0, 100000);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->lines.size(), 20003u);
  EXPECT_EQ(logs->lines[0].text, "1");
  EXPECT_EQ(logs->lines[19999].text, "20000");
  EXPECT_EQ(logs->lines[20000].text.size(), 16384u);
  EXPECT_EQ(logs->lines[20002].text.size(), 40000u - 2 * 16384u);
  Finish(t);
}

TEST_P(RuntimeTest, EnvCwdAndUserApplied) {
  auto t = MakeTask({{"sh", "-c", "echo \"$FOO $(pwd) $(id -u) $(id -g) $(id -G) $HOME\""}});
  t.containers[0].env = {"FOO=bar baz"};
  t.containers[0].cwd = "/tmp";
  t.containers[0].user = "app";
  EXPECT_EQ(RunForOutput(t),
            std::vector<std::string>{"bar baz /tmp 1000 1000 1000 2000 /home/app"});
  Finish(t);
}

TEST_P(RuntimeTest, NumericUserAndGroup) {
  auto t = MakeTask({{"sh", "-c", "echo $(id -u):$(id -g)"}});
  t.containers[0].user = "4242:nogroup";
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  auto logs = ReadLogLines(st.containers[0].log_path, 0);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->lines.size(), 1u);
  EXPECT_EQ(logs->lines[0].text, "4242:65534");
  Finish(t);
}

TEST_P(RuntimeTest, OomKillIsReported) {
  auto t = MakeTask({{"sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=100M count=1"}});
  t.containers[0].memory_limit_bytes = 32 << 20;
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  const auto& c = st.containers[0];
  EXPECT_EQ(c.exit_code, 137);
  EXPECT_TRUE(c.oom_killed);
  EXPECT_EQ(c.reason, "OutOfMemoryError: Container killed due to memory usage");
  Finish(t);
}

TEST_P(RuntimeTest, StopKillsAfterGrace) {
  auto t = MakeTask({{"sleep", "1000"}});
  t.containers[0].stop_timeout_s = 2;
  ASSERT_TRUE(rt_->Start(t).ok());
  auto running = WaitRunning(*rt_, t.dir);
  ASSERT_TRUE(running.ok()) << running.error().message;
  EXPECT_TRUE(running->shim_alive);
  EXPECT_FALSE(running->finished);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  ASSERT_TRUE(rt_->Stop(t.dir).ok());  // idempotent
  auto st = WaitFinished(*rt_, t.dir, 15s);
  ASSERT_TRUE(st.ok()) << st.error().message;
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 1500ms);  // sleep as PID 1 ignores SIGTERM: only the SIGKILL ends it
  EXPECT_TRUE(st->stop_requested);
  EXPECT_EQ(st->containers[0].exit_code, 128 + SIGKILL);
  Finish(t);
}

TEST_P(RuntimeTest, StartFailureIsReportedAndCleanedUp) {
  auto t = MakeTask({{"/no/such/binary"}});
  auto s = rt_->Start(t);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("/no/such/binary"), std::string::npos) << s.error().message;
  auto st = rt_->Status(t.dir);
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->error.empty());
  EXPECT_TRUE(st->finished);
  Finish(t);
}

TEST_P(RuntimeTest, MissingShimBinaryFailsCleanly) {
  rt_ = MakeShimRuntime({.runtime_binary = GetParam(), .shim_binary = "/no/such/shim"});
  auto t = MakeTask({{"true"}});
  auto s = rt_->Start(t);
  ASSERT_FALSE(s.ok());
  auto st = rt_->Status(t.dir);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->finished);
  EXPECT_FALSE(st->error.empty());
  Finish(t);
}

TEST_P(RuntimeTest, EssentialExitStopsSibling) {
  auto t = MakeTask({{"sh", "-c", "sleep 0.3; exit 5"}, {"sleep", "1000"}});
  t.containers[1].essential = false;
  t.containers[1].stop_timeout_s = 1;
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 2u);
  EXPECT_EQ(st.containers[0].exit_code, 5);
  EXPECT_EQ(st.containers[1].exit_code, 128 + SIGKILL);
  EXPECT_NE(st.containers[1].reason.find("Essential container"), std::string::npos);
  EXPECT_FALSE(st.stop_requested);
  Finish(t);
}

// Pids of processes whose command line (args joined by spaces) contains `needle`.
std::vector<pid_t> ProcessesMatching(const std::string& needle) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    auto text = ReadFile(e.path().string() + "/cmdline");
    if (!text.ok()) continue;
    std::replace(text->begin(), text->end(), '\0', ' ');
    if (text->find(needle) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

bool NoProcessesMatching(const std::string& needle, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!ProcessesMatching(needle).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_P(RuntimeTest, ExecRunsInTheRunningContainer) {
  auto t = MakeTask({{"sleep", "1000"}});
  t.containers[0].stop_timeout_s = 0;
  t.containers[0].env = {"GREETING=hi from env"};
  if (auto s = rt_->Start(t); !s.ok()) FAIL() << s.error().message;
  ASSERT_TRUE(WaitRunning(*rt_, t.dir).ok());

  auto r = rt_->Exec(t.dir, "main", {"echo", "hi"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "hi\n");
  EXPECT_FALSE(r->timed_out);

  r = rt_->Exec(t.dir, "main", {"/bin/sh", "-c", "exit 3"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->timed_out);

  // The container's pid namespace: its pid 1 is the task's sleep.
  r = rt_->Exec(t.dir, "main", {"/bin/sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "sleep 1000 ");
  // The container's environment; stderr is captured too (runc copies the two streams
  // separately, so their relative order is not kept).
  r = rt_->Exec(t.dir, "main", {"/bin/sh", "-c", "echo \"$GREETING\" >&2"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "hi from env\n");

  // Output is capped; the rest is drained so the command is not blocked on a full pipe.
  r = rt_->Exec(t.dir, "main", {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, std::string(kMaxExecOutput, 'x'));

  // A command that does not exist: the runtime's failure is a non-zero exit, not an error.
  r = rt_->Exec(t.dir, "main", {"/no/such/check"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->exit_code, 0);
  EXPECT_FALSE(r->timed_out);

  EXPECT_EQ(rt_->Exec(t.dir, "nosuch", {"true"}, 5s).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(rt_->Exec(t.dir, "main", {}, 5s).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(rt_->Exec(t.dir + "-missing", "main", {"true"}, 5s).error().code,
            ErrorCode::kNotFound);

  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  ASSERT_TRUE(WaitFinished(*rt_, t.dir).ok());
  EXPECT_EQ(rt_->Exec(t.dir, "main", {"true"}, 5s).error().code,
            ErrorCode::kFailedPrecondition);
  Finish(t);
}

TEST_P(RuntimeTest, ExecTimeoutKillsTheCommand) {
  auto t = MakeTask({{"sleep", "1000"}});
  t.containers[0].stop_timeout_s = 0;
  if (auto s = rt_->Start(t); !s.ok()) FAIL() << s.error().message;
  ASSERT_TRUE(WaitRunning(*rt_, t.dir).ok());
  // Unique durations, so the /proc scan only finds this test's processes.
  const std::string direct = fmt::format("17.{}", ::getpid() % 1000);
  const std::string shell = fmt::format("19.{}", ::getpid() % 1000);
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"sleep", direct},
           {"/bin/sh", "-c", "echo started; sleep " + shell + "; echo never"}}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = rt_->Exec(t.dir, "main", argv, 500ms);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->timed_out);
    EXPECT_EQ(r->exit_code, -1);
    EXPECT_GE(elapsed, 500ms);
    EXPECT_LT(elapsed, 5s);
    if (argv.size() == 3) {
      EXPECT_EQ(r->output, "started\n");
    }
    const std::string needle = "sleep " + (argv.size() == 3 ? shell : direct);
    EXPECT_TRUE(NoProcessesMatching(needle, 5s)) << needle << " still running";
  }
  // The container is unaffected and exec works again.
  auto r = rt_->Exec(t.dir, "main", {"true"}, 5s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  std::error_code ec;  // pid files are removed after each exec
  EXPECT_TRUE(std::filesystem::is_empty(t.dir + "/exec", ec)) << ec.message();
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  Finish(t);
}

TEST_P(RuntimeTest, HealthCheckerFollowsARealContainer) {
  // The check looks for a file the test creates and removes in the container's rootfs.
  const std::string flag = "healthy-" + RandomHex(8);
  const std::string host_flag = BusyboxRootfs() + "/tmp/" + flag;
  ASSERT_TRUE(WriteFileAtomic(host_flag, "").ok());
  auto t = MakeTask({{"sleep", "1000"}});
  t.containers[0].stop_timeout_s = 0;
  if (auto s = rt_->Start(t); !s.ok()) FAIL() << s.error().message;
  auto running = WaitRunning(*rt_, t.dir);
  ASSERT_TRUE(running.ok()) << running.error().message;
  const int64_t started_ms = running->containers[0].started_ms;

  using agent::HealthStatus;
  auto wait_for = [&](agent::HealthChecker& hc, HealthStatus want) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (hc.Status(t.task_id, "main") != want) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  };
  {
    agent::HealthChecker hc(*rt_, SystemClock::Instance(), 2);
    hc.Watch(t.task_id, t.dir, "main",
             agent::ProbeConfig{.argv = {"/bin/sh", "-c", "test -f /tmp/" + flag},
                                .interval = 100ms,
                                .timeout = 5s,
                                .retries = 3},
             started_ms);
    ASSERT_TRUE(wait_for(hc, HealthStatus::kHealthy));
    auto changes = hc.TakeChanges();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].from, HealthStatus::kUnknown);
    EXPECT_EQ(changes[0].to, HealthStatus::kHealthy);
    EXPECT_EQ(changes[0].exit_code, 0);

    const auto removed = std::chrono::steady_clock::now();
    ASSERT_EQ(::unlink(host_flag.c_str()), 0);
    ASSERT_TRUE(wait_for(hc, HealthStatus::kUnhealthy));
    EXPECT_GE(std::chrono::steady_clock::now() - removed, 200ms);  // three failures, 2 intervals
    changes = hc.TakeChanges();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].from, HealthStatus::kHealthy);
    EXPECT_EQ(changes[0].to, HealthStatus::kUnhealthy);
    EXPECT_EQ(changes[0].exit_code, 1);
    EXPECT_FALSE(changes[0].timed_out);
    hc.Forget(t.task_id);
    EXPECT_EQ(hc.Status(t.task_id, "main"), HealthStatus::kUnknown);
  }
  {
    // A check that hangs: each probe is killed at its timeout and counts as a failure.
    const std::string needle = fmt::format("sleep 23.{}", ::getpid() % 1000);
    agent::HealthChecker hc(*rt_, SystemClock::Instance(), 1);
    hc.Watch(t.task_id, t.dir, "main",
             agent::ProbeConfig{.argv = {"/bin/sh", "-c", needle + "; true"},
                                .interval = 50ms,
                                .timeout = 300ms,
                                .retries = 2},
             started_ms);
    ASSERT_TRUE(wait_for(hc, HealthStatus::kUnhealthy));
    auto changes = hc.TakeChanges();
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_TRUE(changes[0].timed_out);
    EXPECT_EQ(changes[0].exit_code, -1);
    hc.Forget(t.task_id);
    // Destroying the checker waits for a probe in flight; its command is killed.
  }
  EXPECT_TRUE(NoProcessesMatching(fmt::format("sleep 23.{}", ::getpid() % 1000), 5s));
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  Finish(t);
}

// The overlay root filesystem is mounted by the shim in the task's own mount namespace: the
// container sees the layers merged and writes into upper/, the host's mount table never holds it.
TEST_P(RuntimeTest, OverlayRootfsLivesOnlyInTheTaskMountNamespace) {
  const std::string base = testing::ScratchDir() + "/ovl-" + RandomHex(6);
  const std::string top = base + "/top";
  ASSERT_TRUE(MakeDirs(top).ok());
  ASSERT_TRUE(WriteFileAtomic(top + "/layer-file", "from-top-layer\n").ok());
  // The trap comes first: a stop that arrives before it would wait out the grace period.
  auto t = MakeTask({{"sh", "-c",
                      "trap 'exit 0' TERM; cat /layer-file; ls /bin/busybox; "
                      "echo written > /new-file; sleep 30 & wait"}});
  ContainerSpec& c = t.containers[0];
  c.overlay_dir = base + "/rootfs-dir";
  c.overlay_lowers = {top, BusyboxRootfs()};
  c.rootfs = c.overlay_dir + "/rootfs";
  auto s = rt_->Start(t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto st = WaitRunning(*rt_, t.dir);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(ReadAll("/proc/self/mountinfo").find(c.overlay_dir), std::string::npos)
      << "the task's overlay is mounted in the host's namespace";
  EXPECT_FALSE(IsMountPoint(c.rootfs));
  std::string upper;
  for (int i = 0; i < 200 && upper.empty(); ++i, std::this_thread::sleep_for(10ms))
    upper = ReadAll(c.overlay_dir + "/upper/new-file");
  EXPECT_EQ(upper, "written\n");
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  auto done = WaitFinished(*rt_, t.dir);
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto logs = ReadLogLines(done->containers[0].log_path, 0);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->lines.size(), 2u) << ReadAll(done->containers[0].log_path);
  EXPECT_EQ(logs->lines[0].text, "from-top-layer");
  EXPECT_EQ(logs->lines[1].text, "/bin/busybox");
  EXPECT_EQ(done->containers[0].exit_code, 0);
  Finish(t);
  EXPECT_TRUE(RemoveTree(base).ok());
}

// A user name resolves against the mounted overlay (the bundle is written inside the task's
// mount namespace), and an unknown one fails the start with the runtime's message.
TEST_P(RuntimeTest, UserResolvesInsideTheOverlayRootfs) {
  const std::string base = testing::ScratchDir() + "/ovl-" + RandomHex(6);
  const std::string top = base + "/top";
  ASSERT_TRUE(MakeDirs(top + "/etc").ok());
  ASSERT_TRUE(WriteFileAtomic(top + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n"
                                                   "layered:x:4321:4322::/home/l:/bin/sh\n")
                  .ok());
  auto overlay = [&](TaskSpec& t) {
    ContainerSpec& c = t.containers[0];
    c.overlay_dir = base + "/" + t.task_id;
    c.overlay_lowers = {top, BusyboxRootfs()};
    c.rootfs = c.overlay_dir + "/rootfs";
  };
  auto t = MakeTask({{"sh", "-c", "id -u; id -g"}});
  t.containers[0].user = "layered";
  overlay(t);
  EXPECT_EQ(RunForOutput(t), (std::vector<std::string>{"4321", "4322"}));
  Finish(t);

  auto bad = MakeTask({{"true"}});
  bad.containers[0].user = "nobody-here";
  overlay(bad);
  auto s = rt_->Start(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("user 'nobody-here' not found"), std::string::npos)
      << s.error().message;
  (void)rt_->RemoveTaskDir(bad.dir);
  EXPECT_EQ(Leftovers(GetParam(), bad, 0), "");
  EXPECT_TRUE(RemoveTree(base).ok());
}

// The runtime binary bound read-only (so crun skips re-executing itself from a sealed copy):
// made once, reused, replaced when the binary changed, and crun run from it starts containers.
TEST_P(RuntimeTest, ReadOnlyRuntimeBinaryIsBoundReusedAndRefreshed) {
  const std::string base = testing::ScratchDir() + "/robin-" + RandomHex(6);
  const std::string src_dir = base + "/src", bin_dir = base + "/bin";
  ASSERT_TRUE(MakeDirs(src_dir).ok());
  const std::string src = src_dir + "/" + GetParam();
  auto count_mounts = [&] {
    const std::string mi = ReadAll("/proc/self/mountinfo");
    size_t n = 0;
    for (size_t pos = mi.find(bin_dir + "/"); pos != std::string::npos;
         pos = mi.find(bin_dir + "/", pos + 1))
      ++n;
    return n;
  };
  auto copy_runtime = [&] {  // a fresh inode each time, as a package upgrade makes
    auto real = RunProcess({.argv = {"sh", "-c", "cp \"$(command -v " + GetParam() + ")\" " +
                                                     src + ".new && mv " + src + ".new " + src}});
    ASSERT_TRUE(real.ok() && real->exit_code == 0);
  };
  copy_runtime();
  auto bound = ReadOnlyRuntimeBinary(src, bin_dir);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  EXPECT_EQ(*bound, bin_dir + "/" + GetParam());
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs(bound->c_str(), &vfs), 0);
  EXPECT_TRUE(vfs.f_flag & ST_RDONLY);
  EXPECT_EQ(count_mounts(), 1u);
  auto again = ReadOnlyRuntimeBinary(src, bin_dir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(count_mounts(), 1u) << "a second bind was stacked";
  copy_runtime();
  auto refreshed = ReadOnlyRuntimeBinary(src, bin_dir);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().message;
  struct stat a {}, b {};
  ASSERT_EQ(::stat(src.c_str(), &a), 0);
  ASSERT_EQ(::stat(refreshed->c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "still the old binary";

  // A task through that binary.
  rt_ = MakeShimRuntime({.runtime_binary = *refreshed,
                         .shim_binary = testing::ShimBinary(),
                         .shim_zygote = true});
  auto t = MakeTask({{"sh", "-c", "echo via-ro-binary"}});
  EXPECT_EQ(RunForOutput(t), std::vector<std::string>{"via-ro-binary"});
  Finish(t);

  for (int i = 0; i < 4 && count_mounts() > 0; ++i) ::umount2(refreshed->c_str(), MNT_DETACH);
  EXPECT_EQ(count_mounts(), 0u);
  EXPECT_TRUE(RemoveTree(base).ok());
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimeTest, ::testing::Values("crun", "runc"));

// The rest runs against crun only (the default runtime).
class CrunTest : public RuntimeTest {};

TEST_P(CrunTest, ShimOutlivesForgottenRuntime) {
  auto t = MakeTask({{"sh", "-c", "echo up; exec sleep 1000"}});
  ASSERT_TRUE(rt_->Start(t).ok());
  // The shim was forked by the runtime's zygote and says what it is in its command line.
  const pid_t shim = ShimPid(t);
  ASSERT_GT(shim, 0);
  std::string cmdline = ReadAll(fmt::format("/proc/{}/cmdline", shim));
  EXPECT_NE(cmdline.find(std::string(1, '\0') + "shim" + '\0' + t.dir),
            std::string::npos)
      << cmdline;
  std::string stat = ReadAll(fmt::format("/proc/{}/stat", shim));
  const pid_t zygote = std::atoi(stat.substr(stat.rfind(')') + 4).c_str());
  EXPECT_NE(ReadAll(fmt::format("/proc/{}/cmdline", zygote)).find("zygote"), std::string::npos);
  rt_.reset();  // the "agent" forgets everything it knew; its zygote exits, the shim stays
  EXPECT_FALSE(IdentifyProcess(zygote).ok()) << "zygote " << zygote << " outlived its runtime";
  rt_ = NewRuntime();
  auto st = WaitRunning(*rt_, t.dir);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->shim_alive);
  EXPECT_FALSE(st->finished);
  EXPECT_EQ(rt_->Cleanup(t.dir).error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  Finish(t);
}

TEST_P(CrunTest, KilledShimIsReportedHonestly) {
  auto t = MakeTask({{"sleep", "1000"}});
  ASSERT_TRUE(rt_->Start(t).ok());
  auto id = ParseIdentity(ReadAll(task_paths::ShimPid(t.dir)));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(SignalIdentified(*id, SIGKILL).ok());
  auto st = WaitFinished(*rt_, t.dir, 10s);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_FALSE(st->shim_alive);
  EXPECT_FALSE(st->containers[0].exit_code.has_value());
  EXPECT_NE(st->containers[0].reason.find("shim exited unexpectedly"), std::string::npos);
  Finish(t);  // Cleanup must kill and delete the orphaned container
}

// The agent keeps task dirs on tmpfs but logs on disk, and gives the runtime a state dir of its
// own: both are honoured, and both are gone after RemoveTaskDir / delete.
TEST_P(CrunTest, LogDirAndRuntimeRootWhereConfigured) {
  const std::string base = testing::ScratchDir() + "/elsewhere-" + RandomHex(8);
  const std::string root = base + "/crun-root";
  rt_ = MakeShimRuntime({.runtime_binary = GetParam(),
                         .shim_binary = testing::ShimBinary(),
                         .runtime_root = root,
                         .shim_zygote = true});
  auto t = MakeTask({{"sh", "-c", "echo logged; exec sleep 1000"}});
  t.log_dir = base + "/logs/" + t.task_id;
  ASSERT_TRUE(rt_->Start(t).ok());
  auto st = WaitRunning(*rt_, t.dir);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->containers[0].log_path, t.log_dir + "/main.log");
  EXPECT_FALSE(PathExists(t.dir + "/logs"));
  const std::string state = root + "/gantry-" + t.task_id + "-main";
  EXPECT_TRUE(PathExists(state)) << "crun state not under --root " << root;
  auto list = RunProcess({.argv = {GetParam(), "list", "-q"}});  // the default root
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->out.find("gantry-" + t.task_id), std::string::npos);
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  auto done = WaitFinished(*rt_, t.dir, 20s);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_NE(ReadAll(t.log_dir + "/main.log").find(" stdout logged\n"), std::string::npos);
  Finish(t);
  EXPECT_FALSE(PathExists(t.log_dir));
  EXPECT_FALSE(PathExists(state));
  (void)RemoveTree(base);
}

TEST_P(CrunTest, TaskCgroupLimits) {
  auto t = MakeTask({{"sleep", "1000"}});
  t.cpu_units = 512;
  t.memory_bytes = 256 << 20;
  t.containers[0].stop_timeout_s = 0;
  ASSERT_TRUE(rt_->Start(t).ok());
  std::string quota_file = "/sys/fs/cgroup/cpu/gantry/" + t.task_id + "/cpu.cfs_quota_us";
  std::string mem_file = "/sys/fs/cgroup/memory/gantry/" + t.task_id + "/memory.limit_in_bytes";
  if (PathExists("/sys/fs/cgroup/cgroup.controllers")) {  // unified host
    quota_file = "/sys/fs/cgroup/gantry/" + t.task_id + "/cpu.max";
    mem_file = "/sys/fs/cgroup/gantry/" + t.task_id + "/memory.max";
    EXPECT_EQ(ReadAll(quota_file), "50000 100000\n");
  } else {
    EXPECT_EQ(ReadAll(quota_file), "50000\n");
  }
  EXPECT_EQ(ReadAll(mem_file), std::to_string(256 << 20) + "\n");
  ASSERT_TRUE(rt_->Stop(t.dir).ok());
  Finish(t);
}

TEST_P(CrunTest, TwentyConcurrentTasks) {
  constexpr int kTasks = 20;
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < kTasks; ++i)
    tasks.push_back(MakeTask({{"sh", "-c", fmt::format("echo task{}; exit {}", i, i % 7)}}));
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  for (auto& t : tasks) {
    threads.emplace_back([&, tp = &t] {
      auto r = rt_->Start(*tp);
      if (r.ok())
        ++started;
      else
        ADD_FAILURE() << r.error().message;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(started.load(), kTasks);
  for (int i = 0; i < kTasks; ++i) {
    auto st = WaitFinished(*rt_, tasks[i].dir, 30s);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(st->containers[0].exit_code, i % 7);
    auto logs = ReadLogLines(st->containers[0].log_path, 0);
    ASSERT_TRUE(logs.ok());
    ASSERT_EQ(logs->lines.size(), 1u);
    EXPECT_EQ(logs->lines[0].text, fmt::format("task{}", i));
  }
  for (auto& t : tasks) Finish(t);
}

TEST_P(CrunTest, TaskInCreatedNetnsSeesLoopbackUp) {
  const std::string name = "gt-" + RandomHex(8);
  auto ns = network::CreateNetns(name);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  auto t = MakeTask({{"sh", "-c", "cat /sys/class/net/lo/flags; ls /sys/class/net"}});
  t.netns_path = *ns;
  auto st = RunToEnd(t);
  ASSERT_EQ(st.containers.size(), 1u);
  EXPECT_EQ(st.containers[0].exit_code, 0);
  auto logs = ReadLogLines(st.containers[0].log_path, 0);
  ASSERT_TRUE(logs.ok());
  ASSERT_EQ(logs->lines.size(), 2u) << ReadAll(st.containers[0].log_path);
  EXPECT_EQ(std::stoul(logs->lines[0].text, nullptr, 16) & 0x1u, 0x1u) << "lo not UP";
  EXPECT_EQ(logs->lines[1].text, "lo");  // nothing but loopback in the new namespace
  // The shim detached the netns directory in the task's mount namespace only.
  const std::string netns_dir = ns->substr(0, ns->rfind('/'));
  EXPECT_TRUE(IsMountPoint(netns_dir)) << netns_dir;
  EXPECT_TRUE(PathExists(*ns));
  Finish(t);
  EXPECT_TRUE(network::DeleteNetns(name).ok());
  EXPECT_TRUE(network::DeleteNetns(name).ok());
}

// The runtime hands the shim the task's netns as an fd, and the task's mount namespace (the
// zygote's template, or the shim's own when spawned directly) does not hold the host's netns
// binds, which would otherwise be copied into every container; the host keeps them.
TEST_P(CrunTest, TaskMountNamespaceHidesTheHostNetnsBinds) {
  const std::string name = "gt-" + RandomHex(8);
  auto ns = network::CreateNetns(name);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  const std::string netns_dir = ns->substr(0, ns->rfind('/'));
  for (bool zygote : {false, true}) {
    SCOPED_TRACE(zygote ? "zygote" : "direct spawn");
    rt_ = MakeShimRuntime({.runtime_binary = GetParam(),
                           .shim_binary = testing::ShimBinary(),
                           .shim_zygote = zygote,
                           .hidden_host_mounts = {netns_dir}});
    auto t = MakeTask({{"sh", "-c", "trap 'exit 0' TERM; ls /sys/class/net; sleep 30 & wait"}});
    t.netns_path = *ns;
    auto s = rt_->Start(t);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto running = WaitRunning(*rt_, t.dir);
    ASSERT_TRUE(running.ok());
    // Its output comes after the trap: from then on a stop ends it at once.
    const std::string log_path = running->containers[0].log_path;
    for (int i = 0; i < 500 && ReadAll(log_path).find(" lo\n") == std::string::npos; ++i)
      std::this_thread::sleep_for(10ms);
    const std::string mounts = ReadAll(fmt::format("/proc/{}/mountinfo", ShimPid(t)));
    EXPECT_EQ(mounts.find(netns_dir + "/"), std::string::npos) << mounts;
    EXPECT_NE(mounts.find(task_paths::Netns(t.dir)), std::string::npos) << mounts;
    EXPECT_TRUE(IsMountPoint(netns_dir)) << "the host lost " << netns_dir;
    ASSERT_TRUE(rt_->Stop(t.dir).ok());
    auto st = WaitFinished(*rt_, t.dir);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(st->containers[0].exit_code, 0);
    auto logs = ReadLogLines(st->containers[0].log_path, 0);
    ASSERT_TRUE(logs.ok());
    ASSERT_EQ(logs->lines.size(), 1u) << ReadAll(st->containers[0].log_path);
    EXPECT_EQ(logs->lines[0].text, "lo");
    Finish(t);
  }
  EXPECT_TRUE(network::DeleteNetns(name).ok());
}

TEST_P(CrunTest, StartLatency) {
  constexpr int kRuns = 20;
  std::vector<double> ms;
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < kRuns; ++i) {
    auto t = MakeTask({{"true"}});
    auto t0 = std::chrono::steady_clock::now();
    auto r = rt_->Start(t);
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    tasks.push_back(std::move(t));
  }
  for (auto& t : tasks) Finish(t);
  std::sort(ms.begin(), ms.end());
  std::printf("Start() busybox true, %s, n=%d: p50 %.1f ms, p90 %.1f ms, min %.1f, max %.1f\n",
              GetParam().c_str(), kRuns, ms[kRuns / 2], ms[kRuns * 9 / 10], ms.front(), ms.back());
}

INSTANTIATE_TEST_SUITE_P(Crun, CrunTest, ::testing::Values("crun"));

}  // namespace
}  // namespace gantry::runtime
