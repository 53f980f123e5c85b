// The model side of health checks: healthCheck validation (ECS ranges and defaults), its JSON
// round trip, and container/task healthStatus in the store and API shapes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "model/task.h"
#include "model/task_definition.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object Body(const json::value& health_check) {
  json::object c{{"name", "web"}, {"image", "busybox"}};
  c["healthCheck"] = health_check;
  return json::object{{"family", "f"}, {"containerDefinitions", json::array{c}}};
}

Result<TaskDefinition> Parse(const char* health_check_json) {
  return ParseTaskDefinitionRequest(Body(json::parse(health_check_json)));
}

TEST(HealthCheckModel, DefaultsAreFilledIn) {
  auto td = Parse(R"({"command": ["CMD-SHELL", "test -f /tmp/ok"]})");
  ASSERT_TRUE(td.ok()) << td.error().message;
  const auto& hc = td->containers[0].health_check;
  ASSERT_TRUE(hc.has_value());
  EXPECT_EQ(hc->command, (std::vector<std::string>{"CMD-SHELL", "test -f /tmp/ok"}));
  EXPECT_EQ(hc->interval_s, 30);
  EXPECT_EQ(hc->timeout_s, 5);
  EXPECT_EQ(hc->retries, 3);
  EXPECT_EQ(hc->start_period_s, 0);
  EXPECT_EQ(hc->Argv(), (std::vector<std::string>{"/bin/sh", "-c", "test -f /tmp/ok"}));
  EXPECT_FALSE(td->containers[0].extra.contains("healthCheck"));
}

TEST(HealthCheckModel, ExplicitValuesAndCmd) {
  auto td = Parse(R"({"command": ["CMD", "/bin/check", "-q"], "interval": 5, "timeout": 60,
                      "retries": 10, "startPeriod": 300})");
  ASSERT_TRUE(td.ok()) << td.error().message;
  const auto& hc = *td->containers[0].health_check;
  EXPECT_EQ(hc.interval_s, 5);
  EXPECT_EQ(hc.timeout_s, 60);
  EXPECT_EQ(hc.retries, 10);
  EXPECT_EQ(hc.start_period_s, 300);
  EXPECT_EQ(hc.Argv(), (std::vector<std::string>{"/bin/check", "-q"}));
  td = Parse(R"({"command": ["CMD", "x"], "interval": 300, "timeout": 2, "retries": 1,
                 "startPeriod": 0})");
  ASSERT_TRUE(td.ok()) << td.error().message;
  td = Parse("null");  // null: no health check
  ASSERT_TRUE(td.ok()) << td.error().message;
  EXPECT_FALSE(td->containers[0].health_check.has_value());
}

TEST(HealthCheckModel, InvalidValuesAreRejectedWithTheContainerAndRange) {
  struct Case {
    const char* json;
    const char* want;  // substring of the message
  };
  const Case cases[] = {
      {R"({})", "healthCheck.command is required"},
      {R"({"command": []})", "healthCheck.command is required"},
      {R"({"command": ["NONE"]})", "must start with CMD or CMD-SHELL (got 'NONE')"},
      {R"({"command": ["curl -f localhost"]})", "must start with CMD or CMD-SHELL"},
      {R"({"command": ["CMD"]})", "must have a command after CMD"},
      {R"({"command": ["CMD-SHELL", ""]})", "must have a command after CMD-SHELL"},
      {R"({"command": "CMD-SHELL true"})", "command"},
      {R"({"command": ["CMD", 1]})", "command"},
      {R"({"command": ["CMD", "x"], "interval": 4})",
       "healthCheck.interval must be between 5 and 300 seconds (got 4)"},
      {R"({"command": ["CMD", "x"], "interval": 301})", "interval must be between 5 and 300"},
      {R"({"command": ["CMD", "x"], "timeout": 1})",
       "healthCheck.timeout must be between 2 and 60 seconds (got 1)"},
      {R"({"command": ["CMD", "x"], "timeout": 61})", "timeout must be between 2 and 60"},
      {R"({"command": ["CMD", "x"], "retries": 0})",
       "healthCheck.retries must be between 1 and 10 (got 0)"},
      {R"({"command": ["CMD", "x"], "retries": 11})", "retries must be between 1 and 10"},
      {R"({"command": ["CMD", "x"], "startPeriod": -1})",
       "healthCheck.startPeriod must be between 0 and 300 seconds (got -1)"},
      {R"({"command": ["CMD", "x"], "startPeriod": 301})", "startPeriod must be between 0 and 300"},
      {R"({"command": ["CMD", "x"], "interval": "soon"})", "interval"},
      {R"("CMD-SHELL true")", "healthCheck must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    auto td = Parse(c.json);
    ASSERT_FALSE(td.ok());
    EXPECT_EQ(td.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(td.error().message.find(c.want), std::string::npos) << td.error().message;
  }
  auto td = Parse(R"({"command": ["CMD", "x"], "interval": 4})");
  EXPECT_NE(td.error().message.find("container 'web'"), std::string::npos) << td.error().message;
}

TEST(HealthCheckModel, RoundTripsThroughStoreAndApi) {
  auto td = Parse(R"({"command": ["CMD-SHELL", "wget -q -O- localhost || exit 1"],
                      "interval": 10, "startPeriod": 20})");
  ASSERT_TRUE(td.ok()) << td.error().message;
  td->arn = "arn:aws:ecs:local:000000000000:task-definition/f:1";
  td->revision = 1;
  const auto api = ToApiJson(*td);
  const auto& hc = api.at("containerDefinitions").as_array()[0].as_object().at("healthCheck");
  EXPECT_EQ(json::serialize(hc),
            R"({"command":["CMD-SHELL","wget -q -O- localhost || exit 1"],"interval":10,)"
            R"("timeout":5,"retries":3,"startPeriod":20})");
  auto back = TaskDefinitionFromStoreJson(ToStoreJson(*td));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->containers[0].health_check.has_value());
  const auto& b = *back->containers[0].health_check;
  EXPECT_EQ(b.command, td->containers[0].health_check->command);
  EXPECT_EQ(b.interval_s, 10);
  EXPECT_EQ(b.timeout_s, 5);
  EXPECT_EQ(b.retries, 3);
  EXPECT_EQ(b.start_period_s, 20);
  EXPECT_FALSE(back->containers[0].extra.contains("healthCheck"));
}

TEST(HealthCheckModel, StoredInvalidHealthCheckStaysReadableAndVerbatim) {
  // Saved before healthCheck was validated: the definition still loads, the check is unused.
  json::object stored = Body(json::parse(R"({"command": ["CMD", "x"], "interval": 1})"));
  stored["taskDefinitionArn"] = "arn:aws:ecs:local:000000000000:task-definition/f:1";
  stored["revision"] = 1;
  auto td = TaskDefinitionFromStoreJson(json::serialize(stored));
  ASSERT_TRUE(td.ok()) << td.error().message;
  EXPECT_FALSE(td->containers[0].health_check.has_value());
  ASSERT_TRUE(td->containers[0].extra.contains("healthCheck"));
  EXPECT_EQ(td->containers[0].extra.at("healthCheck").at("interval").as_int64(), 1);
}

TEST(HealthStatusModel, TaskAndContainerHealthRoundTrip) {
  Task t;
  t.id = "0123456789abcdef0123456789abcdef";
  t.arn = "arn:aws:ecs:local:000000000000:task/default/" + t.id;
  t.health_status = health_status::kUnhealthy;
  Container web;
  web.name = "web";
  web.health_status = health_status::kUnhealthy;
  Container side;
  side.name = "side";  // default UNKNOWN
  t.containers = {web, side};
  auto back = TaskFromStoreJson(ToStoreJson(t));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->health_status, "UNHEALTHY");
  ASSERT_EQ(back->containers.size(), 2u);
  EXPECT_EQ(back->containers[0].health_status, "UNHEALTHY");
  EXPECT_EQ(back->containers[1].health_status, "UNKNOWN");
  const auto api = ToApiJson(t);
  EXPECT_EQ(api.at("healthStatus").as_string(), "UNHEALTHY");
  EXPECT_EQ(api.at("containers").as_array()[0].at("healthStatus").as_string(), "UNHEALTHY");
  EXPECT_EQ(api.at("containers").as_array()[1].at("healthStatus").as_string(), "UNKNOWN");
  // Records written before containers had a healthStatus read back as UNKNOWN.
  auto old = json::parse(ToStoreJson(t)).as_object();
  old["containers"].as_array()[0].as_object().erase("healthStatus");
  old.erase("healthStatus");
  back = TaskFromStoreJson(json::serialize(old));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->health_status, "UNKNOWN");
  EXPECT_EQ(back->containers[0].health_status, "UNKNOWN");
}

}  // namespace
}  // namespace gantry::model
