// Service model: request validation (ECS messages) and the store/API JSON round trip.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json_util.h"
#include "model/service.h"

namespace gantry::model {
namespace {

boost::json::object Obj(const std::string& text) { return ParseJson(text).value().as_object(); }

struct BadInput {
  std::string body;
  std::string message_part;
};

class CreateServiceBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CreateServiceBadInput, IsRejectedWithAClearMessage) {
  auto r = ParseCreateServiceRequest(Obj(GetParam().body));
  ASSERT_FALSE(r.ok()) << GetParam().body;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find(GetParam().message_part), std::string::npos)
      << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CreateServiceBadInput,
    ::testing::Values(
        BadInput{R"({"taskDefinition":"web"})", "serviceName is required"},
        BadInput{R"({"serviceName":"a b","taskDefinition":"web"})", "Invalid serviceName"},
        BadInput{R"({"serviceName":"web"})", "taskDefinition is required"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","desiredCount":-1})",
                 "desiredCount can not be less than 0"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","desiredCount":"x"})",
                 "desiredCount must be an integer"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","deploymentConfiguration":
                    {"minimumHealthyPercent":100,"maximumPercent":100}})",
                 "must be greater than minimumHealthyPercent"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","deploymentConfiguration":
                    {"minimumHealthyPercent":90,"maximumPercent":80}})",
                 "minimumHealthyPercent (90) can not be greater than "
                 "deploymentConfiguration.maximumPercent (80)."},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","deploymentConfiguration":
                    {"minimumHealthyPercent":10,"maximumPercent":90}})",
                 "maximumPercent must be between 100 and 400"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","deploymentConfiguration":
                    {"minimumHealthyPercent":150}})",
                 "minimumHealthyPercent must be between 0 and 100"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","deploymentConfiguration":
                    {"deploymentCircuitBreaker":{"enable":true}}})",
                 "enable and rollback are both required"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","launchType":"MOON"})",
                 "launchType must be"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web",
                    "healthCheckGracePeriodSeconds":-5})",
                 "healthCheckGracePeriodSeconds"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","networkConfiguration":
                    {"awsvpcConfiguration":3}})",
                 "awsvpcConfiguration must be an object"},
        BadInput{R"({"serviceName":"web","taskDefinition":"web","cluster":"no such!"})",
                 "Invalid cluster name"}));

TEST(DeploymentConfiguration, EqualMinAndMaxIsRejected) {
  EXPECT_TRUE(ValidateDeploymentConfiguration({100, 150, {}}).ok());
  EXPECT_TRUE(ValidateDeploymentConfiguration({0, 100, {}}).ok());
  auto r = ParseDeploymentConfiguration(Obj(R"({"minimumHealthyPercent":100})"), {0, 100, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("must be greater than minimumHealthyPercent"),
            std::string::npos);
}

TEST(DeploymentConfiguration, UpdateMergesOverCurrent) {
  auto r = ParseDeploymentConfiguration(
      Obj(R"({"maximumPercent":150,"deploymentCircuitBreaker":{"enable":true,"rollback":true}})"),
      {50, 200, {}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->minimum_healthy_percent, 50);
  EXPECT_EQ(r->maximum_percent, 150);
  EXPECT_TRUE(r->circuit_breaker.enable);
  EXPECT_TRUE(r->circuit_breaker.rollback);
}

TEST(CreateService, DefaultsAsEcs) {
  auto r = ParseCreateServiceRequest(Obj(R"({"serviceName":"web","taskDefinition":"web:1"})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->desired_count, 0);
  EXPECT_EQ(r->deployment_configuration.minimum_healthy_percent, 100);
  EXPECT_EQ(r->deployment_configuration.maximum_percent, 200);
  EXPECT_FALSE(r->deployment_configuration.circuit_breaker.enable);
  EXPECT_EQ(r->launch_type, "FARGATE");
  EXPECT_EQ(r->cluster, "default");
}

TEST(UpdateService, ParsesEachField) {
  auto r = ParseUpdateServiceRequest(Obj(
      R"({"desiredCount":4,"taskDefinition":"web:2","forceNewDeployment":true,
          "healthCheckGracePeriodSeconds":30,"deploymentConfiguration":{"maximumPercent":150}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->desired_count, 4);
  EXPECT_EQ(*r->task_definition, "web:2");
  EXPECT_TRUE(r->force_new_deployment);
  EXPECT_EQ(r->health_check_grace_period_s, 30);
  ASSERT_TRUE(r->deployment_configuration.has_value());
  auto bad = ParseUpdateServiceRequest(Obj(R"({"desiredCount":-3})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("can not be less than 0"), std::string::npos);
}

TEST(ServiceJson, StoreRoundTripIsLossless) {
  Service s;
  s.name = "web";
  s.arn = ServiceArn(Account{}, "default", "web");
  s.cluster_arn = "arn:aws:ecs:us-east-1:000000000000:cluster/default";
  s.task_definition = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2";
  s.desired_count = 3;
  s.running_count = 2;
  s.pending_count = 1;
  s.network_configuration = Obj(R"({"awsvpcConfiguration":{"subnets":["s-1"]}})");
  s.deployment_configuration = {50, 150, {true, true}};
  s.health_check_grace_period_s = 10;
  Deployment d;
  d.id = DeploymentId("1234567890123456789");
  d.task_definition = s.task_definition;
  d.desired_count = 3;
  d.failed_tasks = 2;
  d.rollout_state_reason = "why";
  d.created_at_ms = 1000;
  d.updated_at_ms = 2000;
  s.deployments.push_back(d);
  s.AddEvent({"e1", 1500, "(service web) has started 1 tasks: (task a)."});
  s.AddEvent({"e2", 1600, "(service web) has reached a steady state."});
  s.tags = {{"team", "a"}};
  s.created_at_ms = 999;
  s.generation = 7;
  s.scheduler = {2, 1700, 2700, {"t1", "t2"}, true};
  auto back = ServiceFromStoreJson(ToStoreJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(ToStoreJson(*back), ToStoreJson(s));
  EXPECT_EQ(back->events[0].id, "e2");  // newest first
  EXPECT_EQ(back->scheduler.counted_failures.size(), 2u);
  EXPECT_EQ(s.arn, "arn:aws:ecs:us-east-1:000000000000:service/default/web");
  EXPECT_EQ(d.id, "ecs-svc/1234567890123456789");

  auto api = ToApiJson(s);
  EXPECT_FALSE(api.contains("scheduler"));  // controller bookkeeping stays internal
  EXPECT_EQ(api.at("deployments").as_array()[0].as_object().at("createdAt").as_double(), 1.0);
  EXPECT_EQ(api.at("deploymentConfiguration").at("deploymentCircuitBreaker").at("rollback"),
            true);
}

TEST(ServiceEvents, CappedAtOneHundredNewestFirst) {
  Service s;
  for (int i = 0; i < 150; ++i) s.AddEvent({std::to_string(i), i, "m"});
  ASSERT_EQ(s.events.size(), kMaxServiceEvents);
  EXPECT_EQ(s.events.front().id, "149");
  EXPECT_EQ(s.events.back().id, "50");
}

}  // namespace
}  // namespace gantry::model
