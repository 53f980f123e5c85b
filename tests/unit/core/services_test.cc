#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/json_util.h"
#include "controllers/task_informer.h"
#include "controllers/task_scheduler.h"
#include "model/node.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace gantry::services {
namespace {

using FakeClock = ::gantry::testing::FakeClock;

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenSqliteStore(dir_.Sub("state.db"))).value();
    taskdefs_ = std::make_unique<TaskDefinitionService>(*store_, clock_, model::Account{});
    tasks_ = std::make_unique<TaskService>(*store_, clock_, *taskdefs_);
  }
  void TearDown() override {
    tasks_.reset();
    taskdefs_.reset();
    store_.reset();
  }
  model::TaskDefinition Register(const std::string& family, const std::string& extra = "") {
    auto body = ParseJson(R"({"family":")" + family +
                          R"(","containerDefinitions":[{"name":"main","image":"busybox")" +
                          extra + "}]}")
                    .value();
    auto td = taskdefs_->Register(body.as_object());
    EXPECT_TRUE(td.ok()) << td.error().message;
    return td.value();
  }
  Result<std::vector<model::Task>> Run(const std::string& body) {
    auto v = ParseJson(body).value();
    auto req = ParseRunTaskRequest(v.as_object());
    if (!req.ok()) return std::move(req).error();
    return tasks_->Run(*req);
  }

  ::gantry::testing::TempDir dir_{"gantry-svc-"};  // removed after the stores are closed
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TaskDefinitionService> taskdefs_;
  std::unique_ptr<TaskService> tasks_;
};

TEST_F(ServicesTest, RevisionsIncrementPerFamily) {
  EXPECT_EQ(Register("a").revision, 1);
  EXPECT_EQ(Register("a").revision, 2);
  EXPECT_EQ(Register("b").revision, 1);
  auto latest = taskdefs_->Describe("a");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->revision, 2);
  EXPECT_TRUE(taskdefs_->Deregister("a:2").ok());
  EXPECT_EQ(taskdefs_->Describe("a")->revision, 1);  // latest ACTIVE
  EXPECT_EQ(taskdefs_->Describe("a:2")->status, "INACTIVE");
  EXPECT_EQ(taskdefs_->List("", "ACTIVE")->size(), 2u);
  EXPECT_EQ(taskdefs_->List("", "ALL")->size(), 3u);
  EXPECT_EQ(taskdefs_->ListFamilies("", "")->size(), 2u);
  EXPECT_EQ(taskdefs_->Describe("zzz").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(taskdefs_->Deregister("a").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ServicesTest, ConcurrentRegistrationsGetDistinctRevisions) {
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        auto body = ParseJson(R"({"family":"c","containerDefinitions":[{"name":"m","image":"i"}]})").value();
        if (taskdefs_->Register(body.as_object()).ok()) ++ok;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, 40);
  EXPECT_EQ(taskdefs_->Describe("c")->revision, 40);
}

TEST_F(ServicesTest, RunCreatesAllOrNothing) {
  Register("web", R"(,"memory":64)");
  auto r = Run(R"({"taskDefinition":"web","count":3,"startedBy":"me",
                   "overrides":{"containerOverrides":[{"name":"main","command":["echo","x"],
                   "environment":[{"name":"A","value":"B"}]}]}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].last_status, "PROVISIONING");
  EXPECT_EQ((*r)[0].containers[0].log_group, "us-east-1:/gantry/tasks");
  EXPECT_EQ(tasks_->List({})->size(), 3u);
  EXPECT_EQ(tasks_->List({.started_by = "me"})->size(), 3u);
  EXPECT_EQ(tasks_->List({.started_by = "you"})->size(), 0u);

  const char* bad[] = {
      R"({"taskDefinition":"web","count":11})",
      R"({"taskDefinition":"web","count":"x"})",
      R"({"taskDefinition":"nope"})",
      R"({"taskDefinition":"web","overrides":{"containerOverrides":[{"name":"other"}]}})",
      R"({"taskDefinition":"web","overrides":{"containerOverrides":[{"name":"main","memory":2}]}})",
      R"({"taskDefinition":"web","overrides":{"containerOverrides":[{"name":"main","memory":4096}]}})",
      R"({"count":1})",
      R"({"taskDefinition":"web","cluster":"other"})",
  };
  for (const char* b : bad) EXPECT_FALSE(Run(b).ok()) << b;
  EXPECT_EQ(tasks_->List({})->size(), 3u);  // nothing half-created
}

TEST_F(ServicesTest, AwslogsStreamNaming) {
  Register("lg", R"(,"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/lg","awslogs-stream-prefix":"p"}})");
  auto r = Run(R"({"taskDefinition":"lg"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].containers[0].log_group, "us-east-1:/ecs/lg");
  EXPECT_EQ((*r)[0].containers[0].log_stream, "p/main/" + (*r)[0].id);
}

TEST_F(ServicesTest, LifecycleOnlyMovesForward) {
  Register("f");
  auto t = Run(R"({"taskDefinition":"f"})")->at(0);
  ASSERT_TRUE(tasks_->Assign(t.id, "n1").ok());
  EXPECT_EQ(tasks_->Describe(t.id)->last_status, "PENDING");
  TaskReport run{t.id, "RUNNING"};
  run.started_at_ms = clock_.now + 5;
  run.containers.push_back({"main", "RUNNING", std::nullopt, "", "rt", "sha256:x"});
  ASSERT_TRUE(tasks_->ApplyReport(run).ok());
  TaskReport back{t.id, "PENDING"};
  ASSERT_TRUE(tasks_->ApplyReport(back).ok());
  auto now = tasks_->Describe(t.id);
  EXPECT_EQ(now->last_status, "RUNNING");
  EXPECT_EQ(now->containers[0].runtime_id, "rt");
  TaskReport stop{t.id, "STOPPED"};
  stop.stop_code = "EssentialContainerExited";
  stop.stopped_reason = "Essential container in task exited";
  stop.containers.push_back({"main", "STOPPED", 3, "", "", ""});
  ASSERT_TRUE(tasks_->ApplyReport(stop).ok());
  auto done = tasks_->Describe(t.id);
  EXPECT_EQ(done->last_status, "STOPPED");
  EXPECT_EQ(done->desired_status, "STOPPED");
  EXPECT_EQ(*done->containers[0].exit_code, 3);
  EXPECT_GT(done->stopped_at_ms, 0);
  // STOPPED is final.
  TaskReport again{t.id, "RUNNING"};
  ASSERT_TRUE(tasks_->ApplyReport(again).ok());
  EXPECT_EQ(tasks_->Describe(t.id)->last_status, "STOPPED");
}

TEST_F(ServicesTest, StopUnplacedTaskIsImmediate) {
  Register("f");
  auto t = Run(R"({"taskDefinition":"f"})")->at(0);
  auto s = tasks_->Stop(t.id, "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->last_status, "STOPPED");
  EXPECT_EQ(s->stop_code, "UserInitiated");
  EXPECT_EQ(tasks_->Stop("nothex", "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(tasks_->Stop(std::string(32, 'a'), "").error().code, ErrorCode::kNotFound);
}

TEST_F(ServicesTest, StoppedTasksAreCollectedAfterRetention) {
  Register("f");
  auto t = Run(R"({"taskDefinition":"f"})")->at(0);
  ASSERT_TRUE(tasks_->Stop(t.id, "").ok());
  EXPECT_EQ(*tasks_->CollectStopped(60'000), 0);
  clock_.now += 61'000;
  EXPECT_EQ(*tasks_->CollectStopped(60'000), 1);
  EXPECT_EQ(tasks_->Describe(t.id).error().code, ErrorCode::kNotFound);
}

TEST_F(ServicesTest, SchedulerPlacesWithinCapacity) {
  model::Node n;
  n.id = "n1";
  n.cpu_units = 1024;
  n.memory_mib = 1024;
  ASSERT_TRUE(store_->Put("node", n.id, model::ToStoreJson(n)).ok());
  Register("f");  // default 256 cpu / 512 MiB
  ASSERT_TRUE(Run(R"({"taskDefinition":"f","count":3})").ok());
  controllers::TaskScheduler sched(*store_, *tasks_);
  sched.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t placed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    placed = tasks_->List({.last_status = "PENDING"})->size();
    if (placed == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sched.Stop();
  EXPECT_EQ(placed, 2u);  // memory allows two; the third waits for room
  EXPECT_EQ(tasks_->List({.last_status = "PROVISIONING"})->size(), 1u);
}

}  // namespace
}  // namespace gantry::services
