// ServiceService against a real SQLite store in a temp dir, and the ServiceController applying
// reconciles to it (tasks are moved along by hand, standing in for the scheduler and agent).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>

#include "common/json_util.h"
#include "controllers/service_controller.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace gantry::services {
namespace {

using FakeClock = ::gantry::testing::FakeClock;

boost::json::object Obj(const std::string& text) { return ParseJson(text).value().as_object(); }

class ServiceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenSqliteStore(dir_.Sub("state.db"))).value();
    taskdefs_ = std::make_unique<TaskDefinitionService>(*store_, clock_, model::Account{});
    tasks_ = std::make_unique<TaskService>(*store_, clock_, *taskdefs_);
    services_ = std::make_unique<ServiceService>(*store_, clock_, *taskdefs_, *tasks_);
  }
  void TearDown() override {
    services_.reset();
    tasks_.reset();
    taskdefs_.reset();
    store_.reset();
  }
  model::TaskDefinition Register(const std::string& family) {
    auto td = taskdefs_->Register(
        Obj(R"({"family":")" + family +
            R"(","containerDefinitions":[{"name":"main","image":"busybox"}]})"));
    EXPECT_TRUE(td.ok()) << td.error().message;
    return td.value();
  }
  Result<model::Service> Create(const std::string& body) { return services_->Create(Obj(body)); }
  std::vector<model::Task> ServiceTasks(const std::string& name, bool live_only = true) {
    std::vector<model::Task> out;
    std::vector<model::Task> all = std::move(tasks_->List({})).value();
    for (auto& t : all) {
      if (t.group != "service:" + name) continue;
      if (live_only && t.desired_status != "RUNNING") continue;
      out.push_back(t);
    }
    return out;
  }
  // Stands in for the scheduler + agent: everything asked to run is RUNNING, everything asked
  // to stop is STOPPED.
  void Settle() {
    std::vector<model::Task> all = std::move(tasks_->List({})).value();
    for (auto& t : all) {
      if (t.IsStopped()) continue;
      if (t.desired_status == "STOPPED") {
        if (t.node_id.empty()) continue;
        ASSERT_TRUE(tasks_->ApplyReport({.task_id = t.id, .last_status = "STOPPED"}).ok());
        continue;
      }
      if (t.node_id.empty()) {
        ASSERT_TRUE(tasks_->Assign(t.id, "n1").ok());
      }
      if (t.last_status != "RUNNING") {
        TaskReport rep{.task_id = t.id, .last_status = "RUNNING", .started_at_ms = clock_.now};
        ASSERT_TRUE(tasks_->ApplyReport(rep).ok());
      }
    }
  }

  ::gantry::testing::TempDir dir_{"gantry-svcsvc-"};  // removed after the stores are closed
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TaskDefinitionService> taskdefs_;
  std::unique_ptr<TaskService> tasks_;
  std::unique_ptr<ServiceService> services_;
};

TEST_F(ServiceServiceTest, CreateDescribeList) {
  auto td = Register("web");
  auto s = Create(R"({"serviceName":"web","taskDefinition":"web","desiredCount":2,
                      "tags":[{"key":"team","value":"a"}]})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->arn, "arn:aws:ecs:us-east-1:000000000000:service/default/web");
  EXPECT_EQ(s->task_definition, td.arn);
  ASSERT_EQ(s->deployments.size(), 1u);
  EXPECT_EQ(s->deployments[0].status, "PRIMARY");
  EXPECT_EQ(s->deployments[0].rollout_state, "IN_PROGRESS");
  EXPECT_EQ(s->deployments[0].id.rfind("ecs-svc/", 0), 0u);
  EXPECT_EQ(s->deployments[0].id.size(), 8u + 19u);
  EXPECT_EQ(s->deployments[0].desired_count, 2);

  auto by_name = services_->Describe("web");
  ASSERT_TRUE(by_name.ok());
  auto by_arn = services_->Describe(s->arn);
  ASSERT_TRUE(by_arn.ok()) << by_arn.error().message;
  EXPECT_EQ(by_arn->name, "web");
  EXPECT_EQ(services_->List("")->size(), 1u);
  EXPECT_EQ(services_->List("default")->size(), 1u);
}

struct CreateError {
  std::string body;
  ErrorCode code;
  std::string message_part;
};

TEST_F(ServiceServiceTest, CreateErrorsAndNothingHalfCreated) {
  Register("web");
  ASSERT_TRUE(Create(R"({"serviceName":"web","taskDefinition":"web"})").ok());
  std::vector<CreateError> table = {
      {R"({"serviceName":"web","taskDefinition":"web"})", ErrorCode::kInvalidArgument,
       "Creation of service was not idempotent."},
      {R"({"serviceName":"x","taskDefinition":"nope"})", ErrorCode::kNotFound, "nope"},
      {R"({"serviceName":"x","taskDefinition":"web:9"})", ErrorCode::kNotFound, "web:9"},
      {R"({"serviceName":"x","taskDefinition":"web","cluster":"other"})", ErrorCode::kNotFound,
       "Cluster not found"},
      {R"({"serviceName":"x","taskDefinition":"web","desiredCount":-1})",
       ErrorCode::kInvalidArgument, "less than 0"},
  };
  for (const auto& row : table) {
    auto r = Create(row.body);
    ASSERT_FALSE(r.ok()) << row.body;
    EXPECT_EQ(r.error().code, row.code) << row.body << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(row.message_part), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(services_->List("")->size(), 1u);
  EXPECT_EQ(services_->Describe("x").error().code, ErrorCode::kNotFound);
}

TEST_F(ServiceServiceTest, UpdateStartsDeploymentsOnlyWhenNeeded) {
  Register("web");
  auto v2 = Register("web");
  ASSERT_TRUE(Create(R"({"serviceName":"web","taskDefinition":"web:1","desiredCount":1})").ok());
  auto scaled = services_->Update("web", Obj(R"({"desiredCount":3})"));
  ASSERT_TRUE(scaled.ok()) << scaled.error().message;
  EXPECT_EQ(scaled->deployments.size(), 1u);
  EXPECT_EQ(scaled->deployments[0].desired_count, 3);

  auto same = services_->Update("web", Obj(R"({"taskDefinition":"web:1"})"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->deployments.size(), 1u);

  auto rolled = services_->Update("web", Obj(R"({"taskDefinition":"web:2"})"));
  ASSERT_TRUE(rolled.ok());
  ASSERT_EQ(rolled->deployments.size(), 2u);
  EXPECT_EQ(rolled->deployments[0].status, "PRIMARY");
  EXPECT_EQ(rolled->deployments[0].task_definition, v2.arn);
  EXPECT_EQ(rolled->deployments[1].status, "ACTIVE");
  EXPECT_EQ(rolled->task_definition, v2.arn);

  auto forced = services_->Update("web", Obj(R"({"forceNewDeployment":true})"));
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->deployments.size(), 3u);
  EXPECT_EQ(forced->deployments[0].task_definition, v2.arn);

  auto bad = services_->Update("web", Obj(R"({"deploymentConfiguration":{"maximumPercent":100}})"));
  ASSERT_FALSE(bad.ok());  // 100/100 over the current minimum of 100
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(services_->Update("nope", Obj("{}")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(services_->Update("web", Obj(R"({"taskDefinition":"zzz"})")).error().code,
            ErrorCode::kNotFound);
}

TEST_F(ServiceServiceTest, DeleteRequiresZeroUnlessForced) {
  Register("web");
  ASSERT_TRUE(Create(R"({"serviceName":"web","taskDefinition":"web","desiredCount":2})").ok());
  auto r = services_->Delete("web", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "The service cannot be stopped while it is scaled above 0.");
  auto d = services_->Delete("web", true);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, "DRAINING");
  EXPECT_EQ(d->desired_count, 0);
  EXPECT_EQ(services_->Update("web", Obj(R"({"desiredCount":1})")).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(ServiceServiceTest, ControllerScalesReplacesRollsAndDeletes) {
  Register("web");
  Register("web");
  controllers::ServiceControllerOptions opts;
  controllers::ServiceController ctl(*store_, *services_, *taskdefs_, clock_, opts);
  ASSERT_TRUE(Create(R"({"serviceName":"web","taskDefinition":"web:1","desiredCount":3})").ok());
  ASSERT_TRUE(ctl.RunOnce().ok());
  auto live = ServiceTasks("web");
  ASSERT_EQ(live.size(), 3u);
  for (const auto& t : live) {
    EXPECT_EQ(t.group, "service:web");
    EXPECT_EQ(t.started_by, services_->Describe("web")->deployments[0].id);
  }
  ASSERT_TRUE(ctl.RunOnce().ok());
  EXPECT_EQ(ServiceTasks("web").size(), 3u);  // no double start
  Settle();
  clock_.now += 2000;
  ASSERT_TRUE(ctl.RunOnce().ok());
  auto s = services_->Describe("web").value();
  EXPECT_EQ(s.running_count, 3);
  EXPECT_EQ(s.deployments[0].rollout_state, "COMPLETED");
  EXPECT_EQ(s.events.front().message, "(service web) has reached a steady state.");

  // A task stopped from outside is replaced.
  ASSERT_TRUE(tasks_->Stop(live[0].id, "external").ok());
  Settle();
  ASSERT_TRUE(ctl.RunOnce().ok());
  EXPECT_EQ(ServiceTasks("web").size(), 3u);

  // Rolling update to web:2.
  ASSERT_TRUE(services_->Update("web", Obj(R"({"taskDefinition":"web:2"})")).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ctl.RunOnce().ok());
    Settle();
    clock_.now += 1500;
  }
  s = services_->Describe("web").value();
  EXPECT_EQ(s.deployments[0].rollout_state, "COMPLETED");
  EXPECT_EQ(s.deployments[0].task_definition.substr(s.deployments[0].task_definition.size() - 5),
            "web:2");
  live = ServiceTasks("web");
  ASSERT_EQ(live.size(), 3u);
  for (const auto& t : live) {
    EXPECT_EQ(t.revision, 2);
    EXPECT_EQ(t.draining_at_ms, 0);
  }
  // Old tasks were drained before they were stopped, with the ECS stop code.
  int old_stopped = 0;
  std::vector<model::Task> all = std::move(tasks_->List({})).value();
  for (const auto& t : all) {
    if (t.revision != 1 || t.stopped_reason == "external") continue;
    EXPECT_EQ(t.stop_code, "ServiceSchedulerInitiated");
    EXPECT_GT(t.draining_at_ms, 0);
    old_stopped++;
  }
  EXPECT_EQ(old_stopped, 3);

  // Delete with force: DRAINING, then INACTIVE once every task stopped.
  ASSERT_TRUE(services_->Delete("web", true).ok());
  ASSERT_TRUE(ctl.RunOnce().ok());
  EXPECT_EQ(ServiceTasks("web").size(), 0u);
  Settle();
  ASSERT_TRUE(ctl.RunOnce().ok());
  EXPECT_EQ(services_->Describe("web")->status, "INACTIVE");
  EXPECT_EQ(services_->List("")->size(), 0u);
  // The name can be used again.
  EXPECT_TRUE(Create(R"({"serviceName":"web","taskDefinition":"web:1"})").ok());
}

}  // namespace
}  // namespace gantry::services
