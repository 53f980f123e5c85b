#include "cli/service_spec.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <ctime>

namespace gantry::cli {
namespace {

namespace json = boost::json;

json::object Obj(const char* text) { return json::parse(text).as_object(); }

// ---- argument -> request body

TEST(DeploymentConfigurationBodyTest, OnlyGivenFields) {
  auto none = DeploymentConfigurationBody({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto percents = DeploymentConfigurationBody({.min_healthy_percent = 50, .max_percent = 150});
  ASSERT_TRUE(percents.ok());
  EXPECT_EQ(**percents, Obj(R"({"minimumHealthyPercent":50,"maximumPercent":150})"));
}

TEST(DeploymentConfigurationBodyTest, CircuitBreakerValues) {
  auto body = [](const char* v) {
    return DeploymentConfigurationBody({.circuit_breaker = std::string(v)});
  };
  EXPECT_EQ(**body("enable"), Obj(R"({"deploymentCircuitBreaker":{"enable":true,"rollback":false}})"));
  EXPECT_EQ(**body("on"), Obj(R"({"deploymentCircuitBreaker":{"enable":true,"rollback":false}})"));
  EXPECT_EQ(**body("rollback"), Obj(R"({"deploymentCircuitBreaker":{"enable":true,"rollback":true}})"));
  EXPECT_EQ(**body("off"), Obj(R"({"deploymentCircuitBreaker":{"enable":false,"rollback":false}})"));
  auto bad = body("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "invalid --circuit-breaker value 'sometimes': use rollback, on or off");
}

TEST(CreateServiceBodyTest, MapsEveryOption) {
  ServiceCreateArgs args{.name = "web", .desired_count = 3};
  args.deployment = {.min_healthy_percent = 50, .max_percent = 200, .circuit_breaker = "rollback"};
  args.health_check_grace_period_s = 30;
  auto body = CreateServiceBody(args, "web:4");
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body->as_object(), Obj(R"({"serviceName":"web","taskDefinition":"web:4",
      "desiredCount":3,"deploymentConfiguration":{"minimumHealthyPercent":50,"maximumPercent":200,
      "deploymentCircuitBreaker":{"enable":true,"rollback":true}},
      "healthCheckGracePeriodSeconds":30})"));
}

TEST(CreateServiceBodyTest, DefaultsAndBadInput) {
  auto body = CreateServiceBody({.name = "a_b-1"}, "fam");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->as_object(), Obj(R"({"serviceName":"a_b-1","taskDefinition":"fam","desiredCount":1})"));

  auto bad_name = CreateServiceBody({.name = "web.prod"}, "fam");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.error().message.find("invalid service name 'web.prod'"), std::string::npos);
  EXPECT_FALSE(CreateServiceBody({.name = ""}, "fam").ok());
  EXPECT_FALSE(CreateServiceBody({.name = std::string(256, 'a')}, "fam").ok());
  EXPECT_FALSE(CreateServiceBody({.name = "web", .desired_count = -1}, "fam").ok());
  EXPECT_FALSE(
      CreateServiceBody({.name = "web", .deployment = {.circuit_breaker = "x"}}, "fam").ok());
}

TEST(UpdateServiceBodyTest, MapsOptions) {
  ServiceUpdateArgs args{.name = "web", .task_definition = "web:5", .force_new_deployment = true,
                         .desired_count = 0};
  args.deployment.circuit_breaker = "off";
  auto body = UpdateServiceBody(args);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body->as_object(), Obj(R"({"taskDefinition":"web:5","desiredCount":0,
      "forceNewDeployment":true,
      "deploymentConfiguration":{"deploymentCircuitBreaker":{"enable":false,"rollback":false}}})"));

  auto scale = UpdateServiceBody({.name = "web", .desired_count = 7});
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ(scale->as_object(), Obj(R"({"desiredCount":7})"));
}

TEST(UpdateServiceBodyTest, NothingToUpdateIsAnError) {
  auto body = UpdateServiceBody({.name = "web"});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(body.error().message.find("nothing to update for service web"), std::string::npos);
  EXPECT_FALSE(UpdateServiceBody({.name = "web", .desired_count = -1}).ok());
}

// ---- the service's own task definition (--image)

RunSpec SleepSpec() {
  return RunSpec{.image = "busybox:latest",
                 .command = {"sleep", "3600"},
                 .environment = {{"B", "2"}, {"A", "1"}},
                 .cpu = 256,
                 .memory = 512};
}

TEST(ServiceTaskDefinitionTest, BodyBakesInCommandEnvAndSize) {
  EXPECT_EQ(ServiceTaskDefinitionBody("web", SleepSpec()).as_object(),
            Obj(R"({"family":"web","cpu":"256","memory":"512","containerDefinitions":[
                {"name":"main","image":"busybox:latest","essential":true,
                 "command":["sleep","3600"],
                 "environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}],
                 "cpu":256,"memory":512}]})"));
  EXPECT_EQ(ServiceTaskDefinitionBody("web", RunSpec{.image = "nginx"}).as_object(),
            Obj(R"({"family":"web","containerDefinitions":[
                {"name":"main","image":"nginx","essential":true}]})"));
}

TEST(ServiceTaskDefinitionTest, FitsWhatTheServerRendersForTheSameSpec) {
  // What GET /v1/task-definitions/web returns after registering SleepSpec (environment in another
  // order, defaults filled in, read-only fields).
  json::object td = Obj(R"({"taskDefinitionArn":"arn:aws:ecs:us-east-1:0:task-definition/web:2",
      "family":"web","revision":2,"status":"ACTIVE","cpu":"256","memory":"512",
      "networkMode":"awsvpc","requiresCompatibilities":[],"compatibilities":["EC2","FARGATE"],
      "containerDefinitions":[{"name":"main","image":"busybox:latest","command":["sleep","3600"],
        "environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"cpu":256,
        "memory":512,"essential":true}]})");
  EXPECT_TRUE(ServiceTaskDefinitionFits(td, SleepSpec()));

  RunSpec other_cmd = SleepSpec();
  other_cmd.command = {"sleep", "10"};
  EXPECT_FALSE(ServiceTaskDefinitionFits(td, other_cmd));
  RunSpec no_cmd = SleepSpec();
  no_cmd.command.clear();
  EXPECT_FALSE(ServiceTaskDefinitionFits(td, no_cmd));
  RunSpec other_env = SleepSpec();
  other_env.environment.pop_back();
  EXPECT_FALSE(ServiceTaskDefinitionFits(td, other_env));
  RunSpec other_mem = SleepSpec();
  other_mem.memory = 1024;
  EXPECT_FALSE(ServiceTaskDefinitionFits(td, other_mem));
  RunSpec no_size = SleepSpec();
  no_size.cpu.reset();
  no_size.memory.reset();
  EXPECT_FALSE(ServiceTaskDefinitionFits(td, no_size));

  json::object inactive = td;
  inactive["status"] = "INACTIVE";
  EXPECT_FALSE(ServiceTaskDefinitionFits(inactive, SleepSpec()));

  json::object plain = Obj(R"({"family":"web","revision":1,"status":"ACTIVE",
      "containerDefinitions":[{"name":"main","image":"nginx","environment":[],"cpu":0,
      "essential":true}]})");
  EXPECT_TRUE(ServiceTaskDefinitionFits(plain, RunSpec{.image = "nginx"}));
  EXPECT_FALSE(ServiceTaskDefinitionFits(plain, RunSpec{.image = "nginx", .command = {"x"}}));
}

// ---- deploy's rewrite

TEST(RewriteTaskDefinitionImageTest, ReplacesFirstImageAndDropsReadOnlyFields) {
  json::object td = Obj(R"({"taskDefinitionArn":"arn:aws:ecs:us-east-1:0:task-definition/web:3",
      "family":"web","revision":3,"status":"ACTIVE","registeredAt":1764330000.5,
      "compatibilities":["EC2","FARGATE"],"requiresCompatibilities":["FARGATE"],
      "networkMode":"awsvpc","cpu":"256","memory":"512","runtimePlatform":{"cpuArchitecture":"X86_64"},
      "containerDefinitions":[
        {"name":"app","image":"busybox:latest","command":["sleep","3600"],"stopTimeout":1,
         "environment":[{"name":"A","value":"1"}],"essential":true},
        {"name":"side","image":"busybox:latest","essential":false}]})");
  auto out = RewriteTaskDefinitionImage(td, "busybox:v2", "");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, Obj(R"({"family":"web","requiresCompatibilities":["FARGATE"],
      "networkMode":"awsvpc","cpu":"256","memory":"512","runtimePlatform":{"cpuArchitecture":"X86_64"},
      "containerDefinitions":[
        {"name":"app","image":"busybox:v2","command":["sleep","3600"],"stopTimeout":1,
         "environment":[{"name":"A","value":"1"}],"essential":true},
        {"name":"side","image":"busybox:latest","essential":false}]})"));

  auto side = RewriteTaskDefinitionImage(td, "busybox:v3", "side");
  ASSERT_TRUE(side.ok());
  const auto& cds = side->at("containerDefinitions").as_array();
  EXPECT_EQ(cds[0].as_object().at("image"), "busybox:latest");
  EXPECT_EQ(cds[1].as_object().at("image"), "busybox:v3");
}

TEST(RewriteTaskDefinitionImageTest, UnknownContainerNamesTheChoices) {
  json::object td = Obj(R"({"family":"web","revision":3,"containerDefinitions":[
      {"name":"app","image":"a"},{"name":"side","image":"b"}]})");
  auto out = RewriteTaskDefinitionImage(td, "x", "db");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(out.error().message, "task definition web:3 has no container 'db' (it has: app, side)");
  EXPECT_FALSE(RewriteTaskDefinitionImage(Obj(R"({"family":"web"})"), "x", "").ok());
  EXPECT_FALSE(RewriteTaskDefinitionImage(td, "", "").ok());
}

// ---- views: rollout progress, outcome, table row, events

constexpr const char* kArn = "arn:aws:ecs:us-east-1:000000000000:task-definition/";

json::object Service(const std::string& deployments, const std::string& status = "ACTIVE") {
  return Obj(("{\"serviceName\":\"web\",\"status\":\"" + status +
              "\",\"desiredCount\":3,\"runningCount\":4,\"pendingCount\":1,"
              "\"taskDefinition\":\"" + kArn + "web:4\",\"deployments\":" + deployments + "}")
                 .c_str());
}

std::string Deployment(const char* id, const char* status, const char* rev, int desired,
                       int running, int pending, int failed, const char* state,
                       const char* reason = "") {
  return fmt::format(R"({{"id":"{}","status":"{}","taskDefinition":"{}{}","desiredCount":{},
      "runningCount":{},"pendingCount":{},"failedTasks":{},"rolloutState":"{}",
      "rolloutStateReason":"{}"}})",
                     id, status, kArn, rev, desired, running, pending, failed, state, reason);
}

const std::string kNew = "ecs-svc/1111111111111111111";
const std::string kOld = "ecs-svc/2222222222222222222";

TEST(RolloutProgressTest, NewAndOldCounts) {
  json::object s = Service("[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 3, 2, 1, 0, "IN_PROGRESS") +
                           "," + Deployment(kOld.c_str(), "ACTIVE", "web:3", 1, 1, 0, 0, "COMPLETED") +
                           "," + Deployment("ecs-svc/3", "INACTIVE", "web:2", 0, 0, 0, 0, "COMPLETED") + "]");
  EXPECT_EQ(RenderRolloutProgress(s, kNew),
            "ecs-svc/1111111111111111111 IN_PROGRESS  new web:4 2/3 running, 1 pending  old 1 running");

  json::object failing = Service("[" + Deployment(kNew.c_str(), "PRIMARY", "web:5", 3, 0, 1, 2, "IN_PROGRESS") +
                                 "," + Deployment(kOld.c_str(), "ACTIVE", "web:4", 3, 3, 0, 0, "COMPLETED") + "]");
  EXPECT_EQ(RenderRolloutProgress(failing, kNew),
            "ecs-svc/1111111111111111111 IN_PROGRESS  new web:5 0/3 running, 1 pending, 2 failed  old 3 running");
  EXPECT_EQ(RenderRolloutProgress(failing, "ecs-svc/9"), "ecs-svc/9 (not listed)");
}

TEST(EvaluateDeployTest, InProgressAndCompleted) {
  json::object s = Service("[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 3, 2, 1, 0, "IN_PROGRESS") +
                           "," + Deployment(kOld.c_str(), "ACTIVE", "web:3", 1, 1, 0, 0, "COMPLETED") + "]");
  EXPECT_EQ(EvaluateDeploy(s, kNew).phase, DeployPhase::kInProgress);

  json::object done = Service("[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 3, 3, 0, 0, "COMPLETED") +
                              "," + Deployment(kOld.c_str(), "INACTIVE", "web:3", 0, 0, 0, 0, "COMPLETED") + "]");
  auto st = EvaluateDeploy(done, kNew);
  EXPECT_EQ(st.phase, DeployPhase::kCompleted);
  EXPECT_EQ(st.message, "deployment ecs-svc/1111111111111111111 completed: web:4 3/3 running");
}

TEST(EvaluateDeployTest, FailedRollingBackAndRolledBack) {
  const char* reason = "ECS deployment circuit breaker: tasks failed to start.";
  json::object rolling = Service(
      "[" + Deployment(kOld.c_str(), "PRIMARY", "web:3", 3, 2, 1, 0, "IN_PROGRESS") + "," +
      Deployment(kNew.c_str(), "ACTIVE", "web:4", 0, 0, 0, 3, "FAILED", reason) + "]");
  auto st = EvaluateDeploy(rolling, kNew);
  EXPECT_EQ(st.phase, DeployPhase::kRollingBack);
  EXPECT_EQ(st.rollback_id, kOld);
  EXPECT_EQ(st.rollback_revision, "web:3");
  EXPECT_EQ(st.message, "deployment ecs-svc/1111111111111111111 failed; rolling back to web:3");

  json::object rolled = Service(
      "[" + Deployment(kOld.c_str(), "PRIMARY", "web:3", 3, 3, 0, 0, "COMPLETED") + "," +
      Deployment(kNew.c_str(), "INACTIVE", "web:4", 0, 0, 0, 3, "FAILED", reason) + "]");
  st = EvaluateDeploy(rolled, kNew);
  EXPECT_EQ(st.phase, DeployPhase::kRolledBack);
  EXPECT_EQ(st.message, "deployment ecs-svc/1111111111111111111 failed; rolled back to web:3");

  json::object no_rollback = Service(
      "[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 3, 0, 0, 3, "FAILED", reason) + "," +
      Deployment(kOld.c_str(), "ACTIVE", "web:3", 3, 3, 0, 0, "COMPLETED") + "]");
  st = EvaluateDeploy(no_rollback, kNew);
  EXPECT_EQ(st.phase, DeployPhase::kFailed);
  EXPECT_EQ(st.message, "deployment ecs-svc/1111111111111111111 failed: ECS deployment circuit "
                        "breaker: tasks failed to start.");
}

TEST(EvaluateDeployTest, SupersededAndGone) {
  json::object s = Service(
      "[" + Deployment("ecs-svc/3", "PRIMARY", "web:5", 3, 0, 3, 0, "IN_PROGRESS") + "," +
      Deployment(kNew.c_str(), "ACTIVE", "web:4", 1, 1, 0, 0, "IN_PROGRESS") + "]");
  auto st = EvaluateDeploy(s, kNew);
  EXPECT_EQ(st.phase, DeployPhase::kSuperseded);
  EXPECT_EQ(st.message,
            "deployment ecs-svc/1111111111111111111 was superseded by deployment ecs-svc/3 (web:5)");
  EXPECT_EQ(EvaluateDeploy(s, "ecs-svc/404").phase, DeployPhase::kGone);
  json::object draining = Service(
      "[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 0, 1, 0, 0, "IN_PROGRESS") + "]", "DRAINING");
  EXPECT_EQ(EvaluateDeploy(draining, kNew).phase, DeployPhase::kGone);
}

TEST(ServiceLsRowTest, Columns) {
  json::object s = Service("[" + Deployment(kNew.c_str(), "PRIMARY", "web:4", 3, 2, 1, 0, "IN_PROGRESS") +
                           "," + Deployment(kOld.c_str(), "ACTIVE", "web:3", 1, 1, 0, 0, "COMPLETED") + "]");
  EXPECT_EQ(ServiceLsHeaders().size(), ServiceLsRow(s).size());
  EXPECT_EQ(ServiceLsRow(s), (std::vector<std::string>{"web", "ACTIVE", "3", "4", "1", "web:4",
                                                       "IN_PROGRESS (+1 old)"}));
  json::object empty = Obj(R"({"serviceName":"x"})");
  EXPECT_EQ(ServiceLsRow(empty), (std::vector<std::string>{"x", "", "0", "0", "0", "", ""}));
}

TEST(EventsTest, NewEventsOldestFirstAndSeenTracksTheList) {
  json::array events = json::parse(R"([
      {"id":"c","createdAt":30,"message":"third"},
      {"id":"b","createdAt":20,"message":"second"},
      {"id":"a","createdAt":10,"message":"first"}])").as_array();
  std::set<std::string> seen{"a", "gone"};
  auto fresh = TakeNewEvents(events, seen);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0].at("message"), "second");
  EXPECT_EQ(fresh[1].at("message"), "third");
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(TakeNewEvents(events, seen).empty());
}

TEST(EventsTest, LocalTimestamps) {
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(FormatLocalTime(1764330012.9), "2025-11-28 11:40:12");
  EXPECT_EQ(FormatEventLine(Obj(R"({"id":"x","createdAt":1764330012.9,
                                    "message":"(service web) has reached a steady state."})")),
            "2025-11-28 11:40:12  (service web) has reached a steady state.");
  ::setenv("TZ", "CET-1", 1);  // POSIX form (UTC+1): needs no tzdata
  ::tzset();
  EXPECT_EQ(FormatLocalTime(1764330012.9), "2025-11-28 12:40:12");
  if (old_tz) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
}

}  // namespace
}  // namespace gantry::cli
