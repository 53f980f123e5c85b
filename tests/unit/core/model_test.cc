#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json_util.h"
#include "model/arn.h"
#include "model/task.h"
#include "model/task_definition.h"

namespace gantry::model {
namespace {

boost::json::object Obj(const char* text) { return ParseJson(text).value().as_object(); }

TEST(TaskDefinitionTest, ParsesEcsShapeAndRoundTrips) {
  auto td = ParseTaskDefinitionRequest(Obj(R"({
    "family": "web", "cpu": "256", "memory": "512", "requiresCompatibilities": ["FARGATE"],
    "containerDefinitions": [{"name": "app", "image": "busybox", "command": ["sh","-c","echo"],
      "environment": [{"name":"A","value":"1"}], "memory": 128, "stopTimeout": 5,
      "portMappings": [{"containerPort": 80}]}]})"));
  ASSERT_TRUE(td.ok()) << td.error().message;
  EXPECT_EQ(td->family, "web");
  EXPECT_EQ(*td->cpu, 256);
  EXPECT_EQ(td->containers[0].environment[0].value, "1");
  EXPECT_EQ(*td->containers[0].stop_timeout, 5);
  EXPECT_TRUE(td->containers[0].extra.contains("portMappings"));  // kept verbatim
  td->revision = 3;
  td->arn = "arn:x";
  auto back = TaskDefinitionFromStoreJson(ToStoreJson(*td));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->revision, 3);
  EXPECT_EQ(back->containers[0].command->size(), 3u);
  EXPECT_TRUE(back->containers[0].extra.contains("portMappings"));
}

TEST(TaskDefinitionTest, RejectsBadInputWithEcsMessages) {
  struct Case {
    const char* body;
    const char* msg;
  } cases[] = {
      {R"({"containerDefinitions":[{"name":"a","image":"b"}]})", "family"},
      {R"({"family":"f"})", "containerDefinitions"},
      {R"({"family":"f","containerDefinitions":"x"})", "containerDefinitions must be a list"},
      {R"({"family":"f","containerDefinitions":[{"name":"a","image":"b","memory":4}]})",
       "At least 6 megabytes"},
      {R"({"family":"f","containerDefinitions":[{"name":"a","image":"b","memory":"lots"}]})",
       "must be an integer"},
      {R"({"family":"f","containerDefinitions":[{"name":"a"}]})", "image"},
      {R"({"family":"f","containerDefinitions":[{"name":"a","image":"b"},{"name":"a","image":"b"}]})",
       "Duplicate container name"},
      {R"({"family":"f","containerDefinitions":[{"name":"a","image":"b","essential":false}]})",
       "essential"},
      {R"({"family":"f","cpu":"300","memory":"512","requiresCompatibilities":["FARGATE"],
          "containerDefinitions":[{"name":"a","image":"b"}]})", "No Fargate configuration"},
      {R"({"family":"f","cpu":"256","memory":"4096","requiresCompatibilities":["FARGATE"],
          "containerDefinitions":[{"name":"a","image":"b"}]})", "No Fargate configuration"},
      {R"({"family":"bad name","containerDefinitions":[{"name":"a","image":"b"}]})", "family"},
      {R"({"family":"f","containerDefinitions":[{"name":"a","image":"b","stopTimeout":500}]})",
       "stopTimeout"},
  };
  for (const auto& c : cases) {
    auto r = ParseTaskDefinitionRequest(Obj(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.msg), std::string::npos) << r.error().message;
  }
}

TEST(TaskDefinitionTest, EffectiveSizes) {
  auto td = ParseTaskDefinitionRequest(
      Obj(R"({"family":"f","containerDefinitions":[{"name":"a","image":"b"}]})"));
  ASSERT_TRUE(td.ok());
  EXPECT_EQ(td->EffectiveCpu(), kDefaultTaskCpu);
  EXPECT_EQ(td->EffectiveMemoryMiB(), kDefaultTaskMemoryMiB);
  auto td2 = ParseTaskDefinitionRequest(Obj(
      R"({"family":"f","containerDefinitions":[{"name":"a","image":"b","cpu":128,"memory":64},
          {"name":"c","image":"b","cpu":64,"memoryReservation":32}]})"));
  ASSERT_TRUE(td2.ok());
  EXPECT_EQ(td2->EffectiveCpu(), 192);
  EXPECT_EQ(td2->EffectiveMemoryMiB(), 96);
}

TEST(ArnTest, ParsesReferences) {
  auto r = ParseTaskDefinitionRef("arn:aws:ecs:us-east-1:000000000000:task-definition/web:7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->family, "web");
  EXPECT_EQ(*r->revision, 7);
  EXPECT_FALSE(ParseTaskDefinitionRef("web:0"));
  EXPECT_FALSE(ParseTaskDefinitionRef("web:x"));
  EXPECT_FALSE(ParseTaskDefinitionRef(""));
  EXPECT_FALSE(ParseTaskDefinitionRef("a/b"));
  std::string id(32, 'a');
  EXPECT_EQ(*ParseTaskId(id), id);
  EXPECT_EQ(*ParseTaskId("arn:aws:ecs:r:1:task/default/" + id), id);
  EXPECT_FALSE(ParseTaskId("xyz"));
  EXPECT_FALSE(ParseTaskId(std::string(32, 'g')));
}

TEST(TaskTest, StoreRoundTripKeepsEverything) {
  Task t;
  t.id = std::string(32, 'b');
  t.arn = "arn:task";
  t.family = "f";
  t.revision = 2;
  t.cpu = 512;
  t.memory = 1024;
  t.last_status = status::kRunning;
  t.node_id = "local";
  t.created_at_ms = 1000;
  t.started_at_ms = 2000;
  t.tags = {{"k", "v"}};
  Container c;
  c.name = "main";
  c.exit_code = 3;
  c.memory = 64;
  c.log_group = "g";
  c.log_stream = "s";
  t.containers.push_back(c);
  ContainerOverride co;
  co.name = "main";
  co.command = std::vector<std::string>{"echo", "x"};
  co.environment = {{"A", "B"}};
  t.overrides.containers.push_back(co);
  t.overrides.memory = 1024;
  auto back = TaskFromStoreJson(ToStoreJson(t));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, t.id);
  EXPECT_EQ(back->cpu, 512);
  EXPECT_EQ(back->node_id, "local");
  EXPECT_EQ(back->started_at_ms, 2000);
  EXPECT_EQ(*back->containers[0].exit_code, 3);
  EXPECT_EQ(back->containers[0].log_stream, "s");
  EXPECT_EQ((*back->overrides.containers[0].command)[1], "x");
  EXPECT_EQ(back->overrides.containers[0].environment[0].value, "B");
  EXPECT_EQ(*back->overrides.memory, 1024);
  // The API shape uses epoch seconds and hides internal fields.
  auto api = ToApiJson(t);
  EXPECT_DOUBLE_EQ(api["startedAt"].as_double(), 2.0);
  EXPECT_FALSE(api.contains("nodeId"));
}

TEST(TaskTest, StatusRankOrdersLifecycle) {
  EXPECT_LT(StatusRank(status::kProvisioning), StatusRank(status::kPending));
  EXPECT_LT(StatusRank(status::kRunning), StatusRank(status::kStopping));
  EXPECT_LT(StatusRank(status::kDeprovisioning), StatusRank(status::kStopped));
  EXPECT_EQ(StatusRank("NOPE"), -1);
}

}  // namespace
}  // namespace gantry::model
