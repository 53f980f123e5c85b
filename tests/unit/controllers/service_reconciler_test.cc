// Table tests for the pure service reconciler: no store, no clock, no processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "controllers/service_reconciler.h"

namespace gantry::controllers {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr const char* kTd0 = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1";
constexpr const char* kTd1 = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2";

struct TaskSpec {
  std::string id;
  std::string deployment;  // startedBy
  std::string last = "RUNNING";
  std::string desired = "RUNNING";
  int64_t started_ago_ms = 60'000;
  std::string health = "UNKNOWN";
  std::string stop_code;
  int64_t draining_ago_ms = -1;
};

model::Task MakeTask(const TaskSpec& s) {
  model::Task t;
  t.id = s.id;
  t.started_by = s.deployment;
  t.group = "service:web";
  t.task_definition_arn = s.deployment == "d0" ? kTd0 : kTd1;
  t.last_status = s.last;
  t.desired_status = s.desired;
  t.created_at_ms = kNow - s.started_ago_ms - 500;
  if (s.last == "RUNNING" || s.last == "STOPPING" || s.last == "STOPPED")
    t.started_at_ms = kNow - s.started_ago_ms;
  t.health_status = s.health;
  t.stop_code = s.stop_code;
  if (s.draining_ago_ms >= 0) t.draining_at_ms = kNow - s.draining_ago_ms;
  if (s.last == "STOPPED") {
    t.desired_status = "STOPPED";
    t.stopped_at_ms = kNow - 100;
  }
  return t;
}

model::Deployment Dep(const std::string& id, const std::string& status, const std::string& rollout,
                      int64_t created_ago_ms, int failed = 0) {
  model::Deployment d;
  d.id = id;
  d.status = status;
  d.rollout_state = rollout;
  d.task_definition = id == "d0" ? kTd0 : kTd1;
  d.created_at_ms = kNow - created_ago_ms;
  d.failed_tasks = failed;
  return d;
}

// d1 PRIMARY (IN_PROGRESS) only, unless the case adds d0.
model::Service Svc(int desired, int min = 100, int max = 200) {
  model::Service s;
  s.name = "web";
  s.desired_count = desired;
  s.task_definition = kTd1;
  s.deployment_configuration.minimum_healthy_percent = min;
  s.deployment_configuration.maximum_percent = max;
  s.deployments.push_back(Dep("d1", "PRIMARY", "IN_PROGRESS", 10'000));
  return s;
}

model::Service Rollout(int desired, int min = 100, int max = 200) {
  model::Service s = Svc(desired, min, max);
  s.deployments.push_back(Dep("d0", "ACTIVE", "COMPLETED", 600'000));
  return s;
}

struct Case {
  std::string name;
  model::Service service;
  std::vector<TaskSpec> tasks;
  std::function<void(ReconcileInput&)> tweak;  // optional
  // Expectations.
  int start = 0;                       // tasks started for the primary
  std::set<std::string> stopped;       // exact set of stopped task ids
  std::set<std::string> drained;       // exact set (nullopt-like: empty means none)
  std::vector<std::string> events;     // substrings, each must appear in some event
  std::function<void(const ReconcileResult&)> check;  // optional extra checks
};

std::string Dump(const ReconcileResult& r) {
  std::string out = "starts:";
  for (const auto& s : r.starts) out += " " + s.deployment_id + "x" + std::to_string(s.count);
  out += " stops:";
  for (const auto& s : r.stops) out += " " + s.task_id;
  out += " events:";
  for (const auto& e : r.events) out += "\n  " + e;
  return out;
}

ReconcileResult RunCase(const Case& c) {
  ReconcileInput in;
  in.service = c.service;
  for (const auto& t : c.tasks) in.tasks.push_back(MakeTask(t));
  in.now_ms = kNow;
  if (c.tweak) c.tweak(in);
  return Reconcile(in);
}

const model::Deployment* Find(const model::Service& s, const std::string& id) {
  for (const auto& d : s.deployments) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](Case c) { cases.push_back(std::move(c)); };

  // ---- scaling
  add({.name = "scale up from nothing starts desiredCount", .service = Svc(3), .start = 3});
  add({.name = "all healthy completes the deployment and records steady state",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"}, {.id = "b", .deployment = "d1"}},
       .events = {"(service web) (deployment d1) deployment completed.",
                  "(service web) has reached a steady state."},
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(r.service.Primary()->rollout_state, "COMPLETED");
         EXPECT_EQ(r.service.running_count, 2);
         EXPECT_TRUE(r.service.scheduler.steady);
       }});
  {
    model::Service s = Svc(2);
    s.deployments[0].rollout_state = "COMPLETED";
    s.deployments[0].desired_count = 2;
    s.deployments[0].running_count = 2;
    s.running_count = 2;
    s.scheduler.steady = true;
    add({.name = "steady service: nothing to do, nothing to write",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1"}, {.id = "b", .deployment = "d1"}},
         .check = [](const ReconcileResult& r) {
           EXPECT_FALSE(r.service_changed);
           EXPECT_TRUE(r.events.empty());
         }});
  }
  add({.name = "scale in stops the most recently started first",
       .service = Svc(1),
       .tasks = {{.id = "old", .deployment = "d1", .started_ago_ms = 90'000},
                 {.id = "mid", .deployment = "d1", .started_ago_ms = 60'000},
                 {.id = "new", .deployment = "d1", .started_ago_ms = 30'000}},
       .stopped = {"mid", "new"},
       .drained = {"mid", "new"},
       .events = {"has stopped 2 running tasks: (task new) (task mid)."}});
  add({.name = "scale in prefers tasks that are not running yet",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"},
                 {.id = "b", .deployment = "d1"},
                 {.id = "p", .deployment = "d1", .last = "PENDING"}},
       .stopped = {"p"},
       .drained = {"p"}});
  add({.name = "pending tasks count: no extra starts",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1", .last = "PROVISIONING"},
                 {.id = "b", .deployment = "d1", .last = "PENDING"}},
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(r.service.pending_count, 2);
         EXPECT_EQ(r.service.running_count, 0);
         EXPECT_EQ(r.service.Primary()->rollout_state, "IN_PROGRESS");
       }});

  // ---- replacement
  add({.name = "a task whose container exited is replaced at once (first failure)",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"},
                 {.id = "dead", .deployment = "d1", .last = "STOPPED",
                  .stop_code = "EssentialContainerExited"}},
       .start = 1,
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(r.service.scheduler.consecutive_failures, 1);
         EXPECT_EQ(r.service.Primary()->failed_tasks, 1);
         EXPECT_EQ(r.service.scheduler.counted_failures, std::vector<std::string>{"dead"});
       }});
  add({.name = "a task stopping (not yet STOPPED) is already replaced",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"},
                 {.id = "dying", .deployment = "d1", .last = "STOPPING",
                  .stop_code = "EssentialContainerExited"}},
       .start = 1});
  add({.name = "a user-stopped task is replaced without counting a failure",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"},
                 {.id = "u", .deployment = "d1", .last = "STOPPED", .stop_code = "UserInitiated"}},
       .start = 1,
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(r.service.scheduler.consecutive_failures, 0);
         EXPECT_EQ(r.service.Primary()->failed_tasks, 0);
       }});
  {
    model::Service s = Svc(2);
    s.scheduler.counted_failures = {"dead"};
    s.scheduler.consecutive_failures = 1;
    s.scheduler.last_failure_at_ms = kNow - 2000;
    s.deployments[0].failed_tasks = 1;
    add({.name = "a failure is counted once",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1"},
                   {.id = "b", .deployment = "d1", .started_ago_ms = 1500},
                   {.id = "dead", .deployment = "d1", .last = "STOPPED",
                    .stop_code = "EssentialContainerExited"}},
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->failed_tasks, 1);
           EXPECT_EQ(r.service.scheduler.consecutive_failures, 1);
         }});
  }
  add({.name = "an UNHEALTHY task past the grace period is drained, stopped and replaced",
       .service = Svc(2),
       .tasks = {{.id = "a", .deployment = "d1"},
                 {.id = "sick", .deployment = "d1", .health = "UNHEALTHY"}},
       .start = 1,
       .stopped = {"sick"},
       .drained = {"sick"},
       .events = {"(service web) (task sick) failed container health checks."},
       .check = [](const ReconcileResult& r) {
         ASSERT_EQ(r.stops.size(), 1u);
         EXPECT_EQ(r.stops[0].reason, "Task failed container health checks");
         EXPECT_EQ(r.service.Primary()->failed_tasks, 1);
       }});
  {
    model::Service s = Svc(2);
    s.health_check_grace_period_s = 120;
    add({.name = "an UNHEALTHY task inside the grace period is left alone",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1"},
                   {.id = "sick", .deployment = "d1", .started_ago_ms = 30'000,
                    .health = "UNHEALTHY"}},
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.wake_at_ms, kNow + 90'000);
           EXPECT_EQ(r.service.Primary()->rollout_state, "IN_PROGRESS");
         }});
  }

  // ---- backoff
  add({.name = "two failures in a row back off the next launch",
       .service = Svc(2),
       .tasks = {{.id = "f1", .deployment = "d1", .last = "STOPPED", .stop_code = "TaskFailedToStart"},
                 {.id = "f2", .deployment = "d1", .last = "STOPPED", .stop_code = "TaskFailedToStart"}},
       .events = {"(service web) is unable to consistently start tasks successfully."},
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(r.service.scheduler.consecutive_failures, 2);
         EXPECT_EQ(r.service.scheduler.next_launch_at_ms, kNow + 1000);
         EXPECT_EQ(r.wake_at_ms, kNow + 1000);
       }});
  {
    model::Service s = Svc(2);
    s.scheduler.consecutive_failures = 4;
    s.scheduler.last_failure_at_ms = kNow - 1000;
    s.scheduler.next_launch_at_ms = kNow + 3000;
    add({.name = "while backing off nothing starts",
         .service = s,
         .check = [](const ReconcileResult& r) { EXPECT_EQ(r.wake_at_ms, kNow + 3000); }});
    s.scheduler.next_launch_at_ms = kNow - 1;
    add({.name = "after the backoff the launch happens", .service = s, .start = 2});
  }
  {
    model::Service s = Svc(2);
    s.scheduler.consecutive_failures = 3;
    s.scheduler.last_failure_at_ms = kNow - 20'000;
    s.scheduler.next_launch_at_ms = kNow - 16'000;
    add({.name = "a task running steadily since the last failure resets the streak",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1", .started_ago_ms = 15'000}},
         .start = 1,
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.scheduler.consecutive_failures, 0);
         }});
  }

  // ---- rolling deployments
  add({.name = "rollout 100/200: new tasks start, old ones stay",
       .service = Rollout(3),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                 {.id = "o3", .deployment = "d0"}},
       .start = 3});
  add({.name = "rollout 100/200: new tasks RUNNING but not yet for min_running: old ones stay",
       .service = Rollout(3),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                 {.id = "o3", .deployment = "d0"},
                 {.id = "n1", .deployment = "d1", .started_ago_ms = 200},
                 {.id = "n2", .deployment = "d1", .started_ago_ms = 200},
                 {.id = "n3", .deployment = "d1", .started_ago_ms = 200}},
       .check = [](const ReconcileResult& r) { EXPECT_EQ(r.wake_at_ms, kNow + 800); }});
  add({.name = "rollout 100/200: new tasks healthy: every old task is stopped",
       .service = Rollout(3),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                 {.id = "o3", .deployment = "d0"}, {.id = "n1", .deployment = "d1"},
                 {.id = "n2", .deployment = "d1"}, {.id = "n3", .deployment = "d1"}},
       .stopped = {"o1", "o2", "o3"},
       .drained = {"o1", "o2", "o3"},
       .check = [](const ReconcileResult& r) {
         ASSERT_EQ(r.stops.size(), 3u);
         EXPECT_EQ(r.stops[0].reason, "Scaling activity initiated by (deployment d1)");
         EXPECT_EQ(r.service.Primary()->rollout_state, "IN_PROGRESS");  // old still occupying
       }});
  add({.name = "rollout 50/150 (4 tasks): stop 2 old, start 2 new in the first step",
       .service = Rollout(4, 50, 150),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                 {.id = "o3", .deployment = "d0"}, {.id = "o4", .deployment = "d0"}},
       .start = 2,
       .stopped = {"o1", "o2"},
       .drained = {"o1", "o2"}});
  add({.name = "rollout 0/100: all old stop first, nothing starts while they occupy",
       .service = Rollout(2, 0, 100),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"}},
       .stopped = {"o1", "o2"},
       .drained = {"o1", "o2"}});
  add({.name = "rollout: old tasks not yet running are stopped regardless of min healthy",
       .service = Rollout(2),
       .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                 {.id = "op", .deployment = "d0", .last = "PENDING"}},
       .start = 1,  // max 4 - 3 occupying
       .stopped = {"op"},
       .drained = {"op"}});
  add({.name = "rollout: with health checks, RUNNING is not enough: HEALTHY is",
       .service = Rollout(1),
       .tasks = {{.id = "o1", .deployment = "d0"},
                 {.id = "n1", .deployment = "d1", .health = "UNKNOWN"}},
       .tweak = [](ReconcileInput& in) { in.health_checked[kTd1] = true; }});
  add({.name = "rollout: with health checks, HEALTHY new task replaces the old one",
       .service = Rollout(1),
       .tasks = {{.id = "o1", .deployment = "d0"},
                 {.id = "n1", .deployment = "d1", .health = "HEALTHY"}},
       .tweak = [](ReconcileInput& in) { in.health_checked[kTd1] = true; },
       .stopped = {"o1"},
       .drained = {"o1"}});
  add({.name = "rollout done: old deployment INACTIVE, primary COMPLETED",
       .service = Rollout(2),
       .tasks = {{.id = "n1", .deployment = "d1"}, {.id = "n2", .deployment = "d1"},
                 {.id = "o1", .deployment = "d0", .last = "STOPPED",
                  .stop_code = "ServiceSchedulerInitiated"}},
       .events = {"deployment completed."},
       .check = [](const ReconcileResult& r) {
         EXPECT_EQ(Find(r.service, "d0")->status, "INACTIVE");
         EXPECT_EQ(Find(r.service, "d1")->rollout_state, "COMPLETED");
         EXPECT_EQ(r.service.deployments[0].id, "d1");  // PRIMARY first
       }});
  add({.name = "tasks of no known deployment are replaced like old ones",
       .service = Svc(1),
       .tasks = {{.id = "x", .deployment = "gone"}},
       .start = 1});

  // ---- circuit breaker
  {
    model::Service s = Rollout(2);
    s.deployment_configuration.circuit_breaker = {true, false};
    s.deployments[0].failed_tasks = 2;
    add({.name = "breaker without rollback: third failure fails the deployment, old tasks stay",
         .service = s,
         .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                   {.id = "f3", .deployment = "d1", .last = "STOPPED",
                    .stop_code = "EssentialContainerExited"}},
         .events = {"(service web) (deployment d1) deployment failed: tasks failed to start."},
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->id, "d1");
           EXPECT_EQ(r.service.Primary()->rollout_state, "FAILED");
           EXPECT_EQ(r.service.Primary()->failed_tasks, 3);
           EXPECT_EQ(r.service.task_definition, kTd1);
         }});
    s.deployment_configuration.circuit_breaker = {true, true};
    add({.name = "breaker with rollback: last COMPLETED deployment is PRIMARY again",
         .service = s,
         .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                   {.id = "n1", .deployment = "d1", .last = "PENDING"},
                   {.id = "f3", .deployment = "d1", .last = "STOPPED",
                    .stop_code = "EssentialContainerExited"}},
         .stopped = {"n1"},
         .drained = {"n1"},
         .events = {"deployment failed: tasks failed to start.",
                    "(service web) (deployment d1) rolling back to deployment d0."},
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->id, "d0");
           EXPECT_EQ(r.service.Primary()->rollout_state, "IN_PROGRESS");
           EXPECT_EQ(Find(r.service, "d1")->rollout_state, "FAILED");
           EXPECT_EQ(Find(r.service, "d1")->status, "ACTIVE");
           EXPECT_EQ(r.service.task_definition, kTd0);
           EXPECT_EQ(r.service.scheduler.consecutive_failures, 0);
         }});
    s.deployment_configuration.circuit_breaker = {false, false};
    add({.name = "breaker disabled: failures never fail the deployment",
         .service = s,
         .tasks = {{.id = "o1", .deployment = "d0"}, {.id = "o2", .deployment = "d0"},
                   {.id = "f3", .deployment = "d1", .last = "STOPPED",
                    .stop_code = "EssentialContainerExited"}},
         .start = 2,
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->rollout_state, "IN_PROGRESS");
         }});
  }
  {
    model::Service s = Svc(2);
    s.deployment_configuration.circuit_breaker = {true, true};
    s.deployments[0].failed_tasks = 3;
    add({.name = "breaker with rollback but nothing COMPLETED: FAILED and stalled",
         .service = s,
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->rollout_state, "FAILED");
           EXPECT_NE(r.service.Primary()->rollout_state_reason.find("No COMPLETED"),
                     std::string::npos);
           EXPECT_TRUE(r.starts.empty());
         }});
  }
  {
    model::Service s = Svc(2);
    s.deployment_configuration.circuit_breaker = {true, true};
    s.deployments[0].rollout_state = "COMPLETED";
    s.deployments[0].failed_tasks = 5;
    add({.name = "breaker ignores a COMPLETED deployment", .service = s, .start = 2});
  }
  {
    model::Service s = Rollout(2);
    s.deployments[1].status = "INACTIVE";  // old one drained completely (min 0)
    s.deployment_configuration.circuit_breaker = {true, true};
    s.deployments[0].failed_tasks = 3;
    add({.name = "rollback to an INACTIVE COMPLETED deployment starts its tasks again",
         .service = s,
         .start = 2,
         .check = [](const ReconcileResult& r) {
           EXPECT_EQ(r.service.Primary()->id, "d0");
           ASSERT_EQ(r.starts.size(), 1u);
           EXPECT_EQ(r.starts[0].deployment_id, "d0");
           EXPECT_EQ(r.starts[0].count, 2);
         }});
  }

  // ---- delete
  {
    model::Service s = Svc(0);
    s.status = "DRAINING";
    add({.name = "DRAINING stops every task",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1"}, {.id = "b", .deployment = "d1"}},
         .stopped = {"a", "b"},
         .drained = {"a", "b"},
         .check = [](const ReconcileResult& r) { EXPECT_EQ(r.service.status, "DRAINING"); }});
    add({.name = "DRAINING with tasks still stopping stays DRAINING",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1", .last = "RUNNING", .desired = "STOPPED"}},
         .check = [](const ReconcileResult& r) { EXPECT_EQ(r.service.status, "DRAINING"); }});
    add({.name = "DRAINING without tasks becomes INACTIVE",
         .service = s,
         .tasks = {{.id = "a", .deployment = "d1", .last = "STOPPED",
                    .stop_code = "ServiceSchedulerInitiated"}},
         .events = {"(service web) has been deleted."},
         .check = [](const ReconcileResult& r) { EXPECT_EQ(r.service.status, "INACTIVE"); }});
  }

  // ---- draining hook
  add({.name = "with a drain delay, tasks are drained first and not yet stopped",
       .service = Svc(1),
       .tasks = {{.id = "a", .deployment = "d1", .started_ago_ms = 90'000},
                 {.id = "b", .deployment = "d1", .started_ago_ms = 30'000}},
       .tweak = [](ReconcileInput& in) { in.policy.drain_delay_ms = 5000; },
       .drained = {"b"},
       .events = {"(service web) has begun draining connections on 1 tasks."},
       .check = [](const ReconcileResult& r) { EXPECT_EQ(r.wake_at_ms, kNow + 5000); }});
  add({.name = "a drained task is stopped once the drain delay passed",
       .service = Svc(1),
       .tasks = {{.id = "a", .deployment = "d1", .started_ago_ms = 90'000},
                 {.id = "b", .deployment = "d1", .started_ago_ms = 30'000, .draining_ago_ms = 6000}},
       .tweak = [](ReconcileInput& in) { in.policy.drain_delay_ms = 5000; },
       .stopped = {"b"}});
  add({.name = "a draining task does not count as healthy",
       .service = Rollout(1),
       .tasks = {{.id = "o1", .deployment = "d0"},
                 {.id = "n1", .deployment = "d1", .draining_ago_ms = 100}},
       .tweak = [](ReconcileInput& in) { in.policy.drain_delay_ms = 5000; },
       // n1 is leaving and o1 must stay (min 1); both occupy max (200% of 1): no start yet.
       .start = 0});
  return cases;
}

class ReconcileTable : public ::testing::TestWithParam<Case> {};

TEST_P(ReconcileTable, Case) {
  const Case& c = GetParam();
  ReconcileResult r = RunCase(c);
  SCOPED_TRACE(Dump(r));
  int started = 0;
  for (const auto& s : r.starts) {
    EXPECT_EQ(s.deployment_id, r.service.Primary()->id);
    started += s.count;
  }
  EXPECT_EQ(started, c.start);
  std::set<std::string> stopped, drained(r.drain.begin(), r.drain.end());
  for (const auto& s : r.stops) stopped.insert(s.task_id);
  EXPECT_EQ(stopped, c.stopped);
  EXPECT_EQ(drained, c.drained);
  for (const auto& want : c.events) {
    bool found = std::any_of(r.events.begin(), r.events.end(), [&](const std::string& e) {
      return e.find(want) != std::string::npos;
    });
    EXPECT_TRUE(found) << "missing event containing: " << want;
  }
  if (!r.stops.empty()) {
    EXPECT_TRUE(r.service_changed);  // stops always come with their event
  }
  if (c.check) c.check(r);
}

INSTANTIATE_TEST_SUITE_P(Service, ReconcileTable, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n;
                           for (char ch : info.param.name) n += std::isalnum(ch) ? ch : '_';
                           return n;
                         });

TEST(CircuitBreakerThreshold, AsEcsDocumentsIt) {
  struct Row {
    int desired, threshold;
  };
  for (auto [desired, threshold] : std::vector<Row>{
           {0, 3}, {1, 3}, {2, 3}, {6, 3}, {7, 4}, {20, 10}, {21, 11}, {400, 200}, {5000, 200}}) {
    EXPECT_EQ(CircuitBreakerThreshold(desired), threshold) << "desired " << desired;
  }
}

TEST(BackoffDelay, ExponentialAndCapped) {
  ReconcilePolicy p;
  struct Row {
    int failures;
    int64_t delay;
  };
  for (auto [n, d] : std::vector<Row>{{0, 0}, {1, 0}, {2, 1000}, {3, 2000}, {4, 4000},
                                      {10, 256'000}, {11, 300'000}, {50, 300'000}}) {
    EXPECT_EQ(BackoffDelayMs(n, p), d) << n << " failures";
  }
}

TEST(EventWording, MatchesEcs) {
  EXPECT_EQ(StartedTasksEvent("web", {"abc"}), "(service web) has started 1 tasks: (task abc).");
  EXPECT_EQ(StoppedTasksEvent("web", {"a", "b"}),
            "(service web) has stopped 2 running tasks: (task a) (task b).");
  EXPECT_EQ(SteadyStateEvent("web"), "(service web) has reached a steady state.");
}

// A small simulation: apply every result (started tasks become PENDING, then RUNNING on the next
// step; stopped tasks go STOPPING then STOPPED) while time advances, and check the deployment
// bounds at every step.
struct SimRow {
  int desired, min, max;
};

class RolloutSimulation : public ::testing::TestWithParam<SimRow> {};

TEST_P(RolloutSimulation, RespectsMinAndMaxAtEveryStepAndCompletes) {
  const auto [desired, min_pct, max_pct] = GetParam();
  ReconcileInput in;
  in.service = Rollout(desired, min_pct, max_pct);
  int64_t now = kNow;
  int next_id = 0;
  for (int i = 0; i < desired; ++i) {
    TaskSpec t{.id = "o" + std::to_string(i), .deployment = "d0"};
    in.tasks.push_back(MakeTask(t));
  }
  const int min_healthy = (desired * min_pct + 99) / 100;
  const int max_tasks = desired * max_pct / 100;
  bool completed = false;
  for (int step = 0; step < 200 && !completed; ++step) {
    in.now_ms = now;
    ReconcileResult r = Reconcile(in);
    in.service = r.service;
    for (const auto& id : r.drain) {
      for (auto& t : in.tasks) {
        if (t.id == id) t.draining_at_ms = now;
      }
    }
    for (const auto& s : r.stops) {
      for (auto& t : in.tasks) {
        if (t.id == s.task_id) t.desired_status = "STOPPED";
      }
    }
    for (const auto& s : r.starts) {
      for (int i = 0; i < s.count; ++i) {
        model::Task t;
        t.id = "n" + std::to_string(next_id++);
        t.started_by = s.deployment_id;
        t.task_definition_arn = kTd1;
        t.last_status = "PROVISIONING";
        t.created_at_ms = now;
        in.tasks.push_back(t);
      }
    }
    // Invariants right after the actions.
    int running = 0, occupying = 0;
    for (const auto& t : in.tasks) {
      if (t.last_status == "RUNNING" && t.desired_status == "RUNNING") running++;
      if (t.last_status != "STOPPED" && t.last_status != "DEPROVISIONING") occupying++;
    }
    ASSERT_GE(running, min_healthy) << "step " << step;
    ASSERT_LE(occupying, std::max(max_tasks, desired)) << "step " << step;
    completed = r.service.Primary()->rollout_state == "COMPLETED";
    // The world moves on by 600 ms.
    now += 600;
    for (auto& t : in.tasks) {
      if (t.last_status == "STOPPED") continue;
      if (t.desired_status == "STOPPED") {
        t.last_status = t.last_status == "STOPPING" ? "STOPPED" : "STOPPING";
        t.stop_code = "ServiceSchedulerInitiated";
      } else if (t.last_status == "PROVISIONING") {
        t.last_status = "PENDING";
      } else if (t.last_status == "PENDING") {
        t.last_status = "RUNNING";
        t.started_at_ms = now;
      }
    }
  }
  EXPECT_TRUE(completed);
  int new_running = 0;
  for (const auto& t : in.tasks)
    new_running += t.started_by == "d1" && t.last_status == "RUNNING";
  EXPECT_EQ(new_running, desired);
  for (const auto& t : in.tasks) {
    if (t.started_by == "d0") {
      EXPECT_EQ(t.last_status, "STOPPED");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bounds, RolloutSimulation,
                         ::testing::Values(SimRow{3, 100, 200}, SimRow{3, 50, 150},
                                           SimRow{4, 50, 100}, SimRow{4, 0, 100},
                                           SimRow{5, 60, 120}, SimRow{1, 100, 200},
                                           SimRow{1, 0, 100}, SimRow{10, 90, 110},
                                           SimRow{2, 50, 200}));

}  // namespace
}  // namespace gantry::controllers
