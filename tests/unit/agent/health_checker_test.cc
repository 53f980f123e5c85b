// HealthChecker: the pure rules (Apply, TaskHealth) as tables, and the scheduler against a
// scripted fake Runtime (no processes).
#include "agent/health_checker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "model/task.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
using H = HealthStatus;

struct ApplyCase {
  const char* name;
  H status;
  int streak;
  int64_t probe_offset_ms;  // probe start relative to the container's start
  int exit_code;
  bool timed_out;
  int retries;
  int start_period_ms;
  H want_status;
  int want_streak;
};

TEST(HealthApply, Table) {
  const ApplyCase cases[] = {
      {"pass makes healthy", H::kUnknown, 0, 30000, 0, false, 3, 0, H::kHealthy, 0},
      {"pass resets streak", H::kHealthy, 2, 30000, 0, false, 3, 0, H::kHealthy, 0},
      {"pass recovers unhealthy", H::kUnhealthy, 5, 30000, 0, false, 3, 0, H::kHealthy, 0},
      {"pass in start period", H::kUnknown, 0, 1000, 0, false, 3, 60000, H::kHealthy, 0},
      {"first failure counts", H::kUnknown, 0, 30000, 1, false, 3, 0, H::kUnknown, 1},
      {"second failure", H::kUnknown, 1, 60000, 1, false, 3, 0, H::kUnknown, 2},
      {"retries-th failure", H::kUnknown, 2, 90000, 1, false, 3, 0, H::kUnhealthy, 3},
      {"healthy then failures", H::kHealthy, 2, 90000, 1, false, 3, 0, H::kUnhealthy, 3},
      {"healthy one failure stays", H::kHealthy, 0, 90000, 1, false, 3, 0, H::kHealthy, 1},
      {"unhealthy stays", H::kUnhealthy, 3, 90000, 1, false, 3, 0, H::kUnhealthy, 4},
      {"retries 1", H::kUnknown, 0, 30000, 1, false, 1, 0, H::kUnhealthy, 1},
      {"retries 0 acts as 1", H::kUnknown, 0, 30000, 1, false, 0, 0, H::kUnhealthy, 1},
      {"any non-zero exit fails", H::kUnknown, 2, 30000, 137, false, 3, 0, H::kUnhealthy, 3},
      {"exit 2 fails", H::kUnknown, 0, 30000, 2, false, 3, 0, H::kUnknown, 1},
      {"timeout fails", H::kUnknown, 2, 30000, -1, true, 3, 0, H::kUnhealthy, 3},
      {"timeout with exit 0 fails", H::kHealthy, 0, 30000, 0, true, 3, 0, H::kHealthy, 1},
      {"failure in start period ignored", H::kUnknown, 0, 5000, 1, false, 1, 10000, H::kUnknown, 0},
      {"timeout in start period ignored", H::kUnknown, 0, 9999, -1, true, 1, 10000, H::kUnknown, 0},
      {"start period ends at its length", H::kUnknown, 0, 10000, 1, false, 1, 10000, H::kUnhealthy,
       1},
      {"start period only while never healthy", H::kHealthy, 0, 5000, 1, false, 1, 10000,
       H::kUnhealthy, 1},
      {"start period does not rescue unhealthy", H::kUnhealthy, 1, 5000, 1, false, 1, 10000,
       H::kUnhealthy, 2},
  };
  constexpr int64_t kStarted = 1'700'000'000'000;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HealthState s{.status = c.status, .failing_streak = c.streak};
    ProbeOutcome o{.started_ms = kStarted + c.probe_offset_ms,
                   .exit_code = c.exit_code,
                   .timed_out = c.timed_out,
                   .output = "out"};
    HealthPolicy p{.retries = c.retries,
                   .start_period = std::chrono::milliseconds(c.start_period_ms),
                   .container_started_ms = kStarted};
    auto got = Apply(s, o, p, kStarted + c.probe_offset_ms + 7);
    EXPECT_EQ(got.status, c.want_status);
    EXPECT_EQ(got.failing_streak, c.want_streak);
    EXPECT_EQ(got.last_probe_ms, kStarted + c.probe_offset_ms + 7);
    EXPECT_EQ(got.last_exit_code, c.exit_code);
    EXPECT_EQ(got.last_timed_out, c.timed_out);
    EXPECT_EQ(got.last_output, "out");
  }
}

TEST(HealthApply, DockerSequence) {
  // startPeriod 10 s, retries 2: failures that start before 10 s are ignored while the
  // container never passed; from then on they count, a pass resets the streak, and two
  // consecutive failures make it UNHEALTHY until the next pass.
  HealthPolicy p{.retries = 2, .start_period = 10s, .container_started_ms = 0};
  HealthState s;
  auto probe = [&](int64_t at, int exit_code) {
    s = Apply(s, ProbeOutcome{.started_ms = at, .exit_code = exit_code}, p, at);
    return s.status;
  };
  EXPECT_EQ(probe(5000, 1), H::kUnknown);
  EXPECT_EQ(s.failing_streak, 0);
  EXPECT_EQ(probe(9000, 1), H::kUnknown);
  EXPECT_EQ(probe(10000, 1), H::kUnknown);  // start period over: counts
  EXPECT_EQ(s.failing_streak, 1);
  EXPECT_EQ(probe(11000, 0), H::kHealthy);
  EXPECT_EQ(probe(15000, 1), H::kHealthy);
  EXPECT_EQ(probe(20000, 0), H::kHealthy);
  EXPECT_EQ(s.failing_streak, 0);
  EXPECT_EQ(probe(25000, 1), H::kHealthy);
  EXPECT_EQ(probe(30000, 1), H::kUnhealthy);
  EXPECT_EQ(probe(35000, 0), H::kHealthy);
}

TEST(TaskHealth, Table) {
  using model::health_status::kHealthy;
  using model::health_status::kUnhealthy;
  using model::health_status::kUnknown;
  struct Case {
    const char* name;
    std::vector<ContainerHealthInput> in;
    const char* want;
  };
  const Case cases[] = {
      {"no containers", {}, kUnknown},
      {"no health checks", {{true, false, kUnknown}, {false, false, kUnknown}}, kUnknown},
      {"one healthy", {{true, true, kHealthy}}, kHealthy},
      {"one unknown", {{true, true, kUnknown}}, kUnknown},
      {"one unhealthy", {{true, true, kUnhealthy}}, kUnhealthy},
      {"healthy and unknown", {{true, true, kHealthy}, {true, true, kUnknown}}, kUnknown},
      {"healthy and unhealthy", {{true, true, kHealthy}, {true, true, kUnhealthy}}, kUnhealthy},
      {"unknown and unhealthy", {{true, true, kUnknown}, {true, true, kUnhealthy}}, kUnhealthy},
      {"all healthy", {{true, true, kHealthy}, {true, true, kHealthy}}, kHealthy},
      {"essential without check ignored",
       {{true, true, kHealthy}, {true, false, kUnknown}},
       kHealthy},
      {"non-essential unhealthy ignored",
       {{true, true, kHealthy}, {false, true, kUnhealthy}},
       kHealthy},
      {"only non-essential checks", {{false, true, kHealthy}, {true, false, kUnknown}}, kUnknown},
      {"empty status is unknown", {{true, true, ""}}, kUnknown},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(TaskHealth(c.in), c.want);
  }
}

TEST(ProbeConfig, FromModel) {
  model::HealthCheck hc{.command = {"CMD-SHELL", "curl -f localhost || exit 1"},
                        .interval_s = 10,
                        .timeout_s = 3,
                        .retries = 4,
                        .start_period_s = 20};
  auto p = ProbeConfigFrom(hc);
  EXPECT_EQ(p.argv, (std::vector<std::string>{"/bin/sh", "-c", "curl -f localhost || exit 1"}));
  EXPECT_EQ(p.interval, 10s);
  EXPECT_EQ(p.timeout, 3s);
  EXPECT_EQ(p.start_period, 20s);
  EXPECT_EQ(p.retries, 4);
  hc.command = {"CMD", "/bin/check", "--fast"};
  EXPECT_EQ(ProbeConfigFrom(hc).argv, (std::vector<std::string>{"/bin/check", "--fast"}));
  EXPECT_STREQ(ToString(HealthStatus::kUnknown), "UNKNOWN");
  EXPECT_STREQ(ToString(HealthStatus::kHealthy), "HEALTHY");
  EXPECT_STREQ(ToString(HealthStatus::kUnhealthy), "UNHEALTHY");
}

// Exec answers from a per-container script (the last answer repeats) and records overlap.
class ScriptedRuntime final : public runtime::Runtime {
 public:
  Result<void> Start(const runtime::TaskSpec&) override { return Unsupported(); }
  Result<runtime::TaskStatus> Status(const std::string&) override { return Unsupported(); }
  Result<void> Stop(const std::string&) override { return Unsupported(); }
  Result<void> Cleanup(const std::string&) override { return Unsupported(); }
  Result<void> RemoveTaskDir(const std::string&) override { return Unsupported(); }

  Result<runtime::ExecResult> Exec(const std::string& task_dir, const std::string& container,
                                   const std::vector<std::string>& argv,
                                   std::chrono::milliseconds) override {
    const std::string key = task_dir + "/" + container;
    Result<runtime::ExecResult> answer = runtime::ExecResult{};
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(mu_);
      if (!running_.insert(key).second) overlapped_ = true;
      ++calls_[key];
      last_argv_ = argv;
      auto& q = script_[key];
      if (!q.empty()) {
        answer = q.front().first;
        delay = q.front().second;
        if (q.size() > 1) q.pop_front();
      }
    }
    std::this_thread::sleep_for(delay);  // a slow probe (simulated duration, not a wait)
    std::lock_guard lock(mu_);
    running_.erase(key);
    return answer;
  }

  void Script(const std::string& key,
              std::deque<std::pair<Result<runtime::ExecResult>, std::chrono::milliseconds>> q) {
    std::lock_guard lock(mu_);
    script_[key] = std::move(q);
  }
  int Calls(const std::string& key) {
    std::lock_guard lock(mu_);
    return calls_[key];
  }
  bool Overlapped() {
    std::lock_guard lock(mu_);
    return overlapped_;
  }
  std::vector<std::string> LastArgv() {
    std::lock_guard lock(mu_);
    return last_argv_;
  }

 private:
  static Error Unsupported() { return MakeError(ErrorCode::kInternal, "not scripted"); }
  std::mutex mu_;
  std::map<std::string,
           std::deque<std::pair<Result<runtime::ExecResult>, std::chrono::milliseconds>>>
      script_;
  std::map<std::string, int> calls_;
  std::set<std::string> running_;
  bool overlapped_ = false;
  std::vector<std::string> last_argv_;
};

runtime::ExecResult Exit(int code) { return runtime::ExecResult{.exit_code = code}; }

template <typename Pred>
bool PollUntil(Pred pred, std::chrono::milliseconds within = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

ProbeConfig Fast(int retries = 2) {
  return ProbeConfig{.argv = {"check"}, .interval = 20ms, .timeout = 1s, .retries = retries};
}

TEST(HealthChecker, TransitionsAreReportedOnceInOrder) {
  ScriptedRuntime rt;
  rt.Script("/d1/web",
            {{Exit(0), 0ms}, {Exit(0), 0ms}, {Exit(1), 0ms}, {Exit(1), 0ms}, {Exit(0), 0ms}});
  HealthChecker hc(rt, SystemClock::Instance(), 2);
  EXPECT_EQ(hc.Status("t1", "web"), H::kUnknown);
  hc.Watch("t1", "/d1", "web", Fast(2), SystemClock::Instance().NowMs());
  hc.Watch("t1", "/d1", "web", Fast(2), 0);  // already watched: no-op
  std::vector<HealthChange> all;
  ASSERT_TRUE(PollUntil([&] {
    for (auto& c : hc.TakeChanges()) all.push_back(std::move(c));
    return all.size() >= 3;
  }));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].task_id, "t1");
  EXPECT_EQ(all[0].container, "web");
  EXPECT_EQ(all[0].from, H::kUnknown);
  EXPECT_EQ(all[0].to, H::kHealthy);
  EXPECT_EQ(all[1].from, H::kHealthy);
  EXPECT_EQ(all[1].to, H::kUnhealthy);
  EXPECT_EQ(all[1].exit_code, 1);
  EXPECT_EQ(all[2].to, H::kHealthy);
  EXPECT_LE(all[0].at_ms, all[1].at_ms);
  EXPECT_EQ(hc.Status("t1", "web"), H::kHealthy);
  EXPECT_EQ(rt.LastArgv(), std::vector<std::string>{"check"});
  hc.Forget("t1");
  EXPECT_EQ(hc.Status("t1", "web"), H::kUnknown);
  const int calls = rt.Calls("/d1/web");
  std::this_thread::sleep_for(100ms);         // five intervals: nothing may run after Forget
  EXPECT_LE(rt.Calls("/d1/web"), calls + 1);  // at most the probe that was in flight
  EXPECT_TRUE(hc.TakeChanges().empty());
}

TEST(HealthChecker, SlowProbesNeverOverlapAndTimeoutsFail) {
  ScriptedRuntime rt;
  // Each probe takes 60 ms, three times the interval.
  rt.Script("/d2/app", {{runtime::ExecResult{.exit_code = -1, .timed_out = true}, 60ms}});
  HealthChecker hc(rt, SystemClock::Instance(), 4);
  hc.Watch("t2", "/d2", "app", Fast(3), 0);
  ASSERT_TRUE(PollUntil([&] { return hc.Status("t2", "app") == H::kUnhealthy; }));
  auto changes = hc.TakeChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].timed_out);
  EXPECT_NE(changes[0].output.find("exceeded timeout"), std::string::npos) << changes[0].output;
  EXPECT_FALSE(rt.Overlapped());
  EXPECT_GE(rt.Calls("/d2/app"), 3);
}

TEST(HealthChecker, NotRunningIsNoVerdictButExecFailureIsAFailure) {
  ScriptedRuntime rt;
  rt.Script("/d3/a", {{MakeError(ErrorCode::kFailedPrecondition, "not running"), 0ms}});
  rt.Script("/d3/b", {{MakeError(ErrorCode::kUnavailable, "spawn crun: no such file"), 0ms}});
  HealthChecker hc(rt, SystemClock::Instance(), 1);
  hc.Watch("t3", "/d3", "a", Fast(1), 0);
  hc.Watch("t3", "/d3", "b", Fast(1), 0);
  ASSERT_TRUE(PollUntil([&] { return hc.Status("t3", "b") == H::kUnhealthy; }));
  ASSERT_TRUE(PollUntil([&] { return rt.Calls("/d3/a") >= 3; }));
  EXPECT_EQ(hc.Status("t3", "a"), H::kUnknown);
  auto changes = hc.TakeChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].container, "b");
  EXPECT_NE(changes[0].output.find("no such file"), std::string::npos);
}

TEST(HealthChecker, FirstProbeWaitsAnIntervalAfterStart) {
  ScriptedRuntime rt;
  rt.Script("/d4/c", {{Exit(0), 0ms}});
  rt.Script("/d5/c", {{Exit(0), 0ms}});
  HealthChecker hc(rt, SystemClock::Instance(), 1);
  ProbeConfig cfg = Fast(1);
  cfg.interval = 300ms;
  const int64_t start = SystemClock::Instance().NowMs();
  hc.Watch("t4", "/d4", "c", cfg, start);
  ASSERT_TRUE(PollUntil([&] { return hc.Status("t4", "c") == H::kHealthy; }));
  EXPECT_GE(SystemClock::Instance().NowMs() - start, 300);
  // A container that started long ago (agent restart) is probed at once, not an interval later.
  cfg.interval = 60s;
  hc.Watch("t5", "/d5", "c", cfg, start - 3'600'000);
  EXPECT_TRUE(PollUntil([&] { return hc.Status("t5", "c") == H::kHealthy; }, 10s));
}

TEST(HealthChecker, ForgetDropsPendingChangesAndDestructorStopsWorkers) {
  ScriptedRuntime rt;
  rt.Script("/d6/c", {{Exit(0), 0ms}});
  auto hc = std::make_unique<HealthChecker>(rt, SystemClock::Instance(), 3);
  hc->Watch("t6", "/d6", "c", Fast(), 0);
  ASSERT_TRUE(PollUntil([&] { return hc->Status("t6", "c") == H::kHealthy; }));
  hc->Forget("t6");
  EXPECT_TRUE(hc->TakeChanges().empty());
  hc->Watch("t6", "/d6", "c", Fast(), 0);  // watched again: fresh state
  hc.reset();                              // joins every worker
}

}  // namespace
}  // namespace gantry::agent
