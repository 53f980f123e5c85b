#include "aws/botocore_model.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json.hpp>

#include <filesystem>

#include "support/temp_dir.h"

namespace gantry::aws {
namespace {

namespace json = boost::json;

// A small model exercising every shape type and constraint the validator knows.
constexpr char kModel[] = R"({
 "metadata": {"protocol": "json", "jsonVersion": "1.0", "targetPrefix": "Tiny_2020",
              "endpointPrefix": "tiny", "signingName": "tinysvc"},
 "operations": {
  "Put": {"name": "Put", "input": {"shape": "PutRequest"}, "output": {"shape": "Empty"}},
  "Ping": {"name": "Ping"}
 },
 "shapes": {
  "PutRequest": {"type": "structure", "required": ["name"], "members": {
    "name": {"shape": "Name"}, "count": {"shape": "Count"}, "big": {"shape": "Big"},
    "ratio": {"shape": "Ratio"}, "on": {"shape": "Flag"}, "kind": {"shape": "Kind"},
    "items": {"shape": "Items"}, "labels": {"shape": "Labels"}, "when": {"shape": "When"},
    "data": {"shape": "Data"}}},
  "Item": {"type": "structure", "required": ["key"], "members": {"key": {"shape": "Name"}, "value": {"shape": "Name"}}},
  "Items": {"type": "list", "member": {"shape": "Item"}, "max": 2},
  "Labels": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Name"}},
  "Name": {"type": "string", "min": 1, "max": 5},
  "Count": {"type": "integer", "min": 1, "max": 10},
  "Big": {"type": "long"},
  "Ratio": {"type": "double"},
  "Flag": {"type": "boolean"},
  "Kind": {"type": "string", "enum": ["A", "B"]},
  "When": {"type": "timestamp"},
  "Data": {"type": "blob"},
  "Empty": {"type": "structure", "members": {}},
  "ValidationException": {"type": "structure", "members": {"Message": {"shape": "Name"}}, "exception": true}
 }
})";

std::shared_ptr<const ServiceModel> Tiny() {
  auto m = ServiceModel::Parse(kModel);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return *m;
}

std::optional<AwsError> Check(const ServiceModel& m, const std::string& op, const char* body) {
  return m.ValidateInput(op, json::parse(body));
}

TEST(BotocoreModel, ReadsMetadata) {
  auto m = Tiny();
  EXPECT_EQ(m->protocol(), "json");
  EXPECT_EQ(m->json_version(), "1.0");
  EXPECT_EQ(m->target_prefix(), "Tiny_2020");
  EXPECT_EQ(m->signing_name(), "tinysvc");
  EXPECT_EQ(m->validation_error_type(), "ValidationException");
  EXPECT_EQ(m->ErrorMessageKey("ValidationException"), "Message");
  EXPECT_EQ(m->ErrorMessageKey("Whatever"), "message");
  EXPECT_TRUE(m->HasOperation("Put"));
  EXPECT_FALSE(m->HasOperation("Get"));
}

TEST(BotocoreModel, AcceptsValidInput) {
  auto m = Tiny();
  EXPECT_FALSE(Check(*m, "Put", R"({"name":"abc","count":3,"big":12345678901,"ratio":0.5,
      "on":true,"kind":"B","items":[{"key":"k","value":"v"}],"labels":{"a":"b"},"when":1.5,
      "data":"aGk=","count":null})"));
  EXPECT_FALSE(Check(*m, "Put", R"({"name":"ééééé"})")) << "length counts characters";
  EXPECT_FALSE(Check(*m, "Ping", "{}"));
  EXPECT_FALSE(Check(*m, "Put", R"({"name":"a","clientToken":"tok"})"))
      << "idempotency tokens newer SDKs add are tolerated";
}

TEST(BotocoreModel, WrongTypesAreSerializationErrorsNamingTheMember) {
  auto m = Tiny();
  auto expect = [&](const char* body, const std::string& msg) {
    SCOPED_TRACE(body);
    auto e = Check(*m, "Put", body);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, 400);
    EXPECT_EQ(e->type, "SerializationException");
    EXPECT_EQ(e->message, msg);
  };
  expect(R"({"name":"a","count":"3"})", "STRING_VALUE can not be converted to an Integer at 'count'");
  expect(R"({"name":"a","count":1.5})", "DECIMAL_VALUE can not be converted to an Integer at 'count'");
  expect(R"({"name":"a","count":4294967296})", "NUMBER_VALUE can not be converted to an Integer at 'count'");
  expect(R"({"name":{}})", "Start of structure or map found where not expected at 'name'");
  expect(R"({"name":"a","items":{}})", "Start of structure or map found where not expected at 'items'");
  expect(R"({"name":"a","items":[{"key":[]}]})", "Start of list found where not expected at 'items.1.member.key'");
  expect(R"({"name":"a","on":"true"})", "STRING_VALUE can not be converted to a Boolean at 'on'");
  expect(R"({"name":"a","labels":{"x":5}})", "NUMBER_VALUE can not be converted to a String at 'labels.x'");
  expect(R"({"name":"a","when":"2020-01-01"})", "STRING_VALUE can not be converted to a Timestamp at 'when'");
  expect(R"({"name":"a","data":"not base64!"})", "Base64 encoded binary data expected at 'data'");
  auto e = m->ValidateInput("Put", json::parse("[1]"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "SerializationException");
}

TEST(BotocoreModel, ConstraintViolationsInCoralFormat) {
  auto m = Tiny();
  auto e = Check(*m, "Put", "{}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "ValidationException");
  EXPECT_EQ(e->message,
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null");
  e = Check(*m, "Put", R"({"name":"toolong","count":11,"kind":"C","items":[{},{"key":"a"},{"key":"b"}]})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "5 validation errors detected: "
            "Value 'toolong' at 'name' failed to satisfy constraint: Member must have length less "
            "than or equal to 5; "
            "Value '11' at 'count' failed to satisfy constraint: Member must have value less than "
            "or equal to 10; "
            "Value 'C' at 'kind' failed to satisfy constraint: Member must satisfy enum value set: "
            "[A, B]; "
            "Value '[{},{\"key\":\"a\"},{\"key\":\"b\"}]' at 'items' failed to satisfy constraint: "
            "Member must have length less than or equal to 2; "
            "Value null at 'items.1.member.key' failed to satisfy constraint: Member must not be "
            "null");
  e = Check(*m, "Put", R"({"name":""})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("greater than or equal to 1"), std::string::npos);
}

TEST(BotocoreModel, UnknownMembersAndOperations) {
  auto m = Tiny();
  auto e = Check(*m, "Put", R"({"name":"a","nmae":"b"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "ValidationException");
  EXPECT_EQ(e->message.rfind("Unknown parameter in input: \"nmae\", must be one of: name, count", 0), 0u);
  e = Check(*m, "Put", R"({"name":"a","items":[{"key":"k","colour":"red"}]})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Unknown parameter in items.1.member: \"colour\", must be one of: key, value");
  e = Check(*m, "Ping", R"({"x":1})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "ValidationException");
  e = Check(*m, "Get", "{}");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "UnknownOperationException");
}

TEST(BotocoreModel, LoadsTheNewestVersionPlainOrGzipped) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("tiny/2019-01-01"));
  std::filesystem::create_directories(dir.Sub("tiny/2020-01-01"));
  {
    std::string old = kModel;
    old.replace(old.find("Tiny_2020"), 9, "Tiny_2019");
    FILE* f = std::fopen(dir.Sub("tiny/2019-01-01/service-2.json").c_str(), "w");
    std::fwrite(old.data(), 1, old.size(), f);
    std::fclose(f);
  }
  gzFile gz = gzopen(dir.Sub("tiny/2020-01-01/service-2.json.gz").c_str(), "wb");
  gzwrite(gz, kModel, sizeof kModel - 1);
  gzclose(gz);
  auto m = ServiceModel::Load("tiny", {dir.Sub("missing"), dir.path()});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ((*m)->target_prefix(), "Tiny_2020");
  EXPECT_NE((*m)->source().find(".json.gz"), std::string::npos);
  auto missing = ServiceModel::Load("nosuch", {dir.path()});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("python3-botocore"), std::string::npos);
  EXPECT_FALSE(ServiceModel::Load("../etc", {dir.path()}).ok());
}

// The real ECS model from python3-botocore.
TEST(BotocoreModel, EcsModelFromPythonBotocore) {
  auto m = ServiceModel::Load("ecs");
  if (!m.ok()) GTEST_SKIP() << m.error().message;
  const ServiceModel& ecs = **m;
  EXPECT_EQ(ecs.target_prefix(), "AmazonEC2ContainerServiceV20141113");
  EXPECT_EQ(ecs.signing_name(), "ecs");
  EXPECT_EQ(ecs.json_version(), "1.1");
  EXPECT_EQ(ecs.validation_error_type(), "InvalidParameterException");
  EXPECT_FALSE(Check(ecs, "RunTask", R"({"taskDefinition":"web:1","count":2,"launchType":"FARGATE",
      "overrides":{"containerOverrides":[{"name":"app","environment":[{"name":"A","value":"b"}]}]},
      "networkConfiguration":{"awsvpcConfiguration":{"subnets":["s"],"assignPublicIp":"ENABLED"}},
      "tags":[{"key":"k","value":"v"}],"clientToken":"x"})"));
  auto e = Check(ecs, "RunTask", R"({"count":2})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "InvalidParameterException");
  EXPECT_EQ(e->message,
            "1 validation error detected: Value null at 'taskDefinition' failed to satisfy "
            "constraint: Member must not be null");
  e = Check(ecs, "RunTask", R"({"taskDefinition":"x","count":"2"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "SerializationException");
  e = Check(ecs, "RunTask", R"({"taskDefinition":"x","launchType":"SPACESHIP"})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL]"),
            std::string::npos);
  e = Check(ecs, "RunTask", R"({"taskDefinition":"x","overrides":{"containerOverrides":[{"nmae":"a"}]}})");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("\"nmae\""), std::string::npos);
  EXPECT_FALSE(Check(ecs, "ListClusters", "{}"));
  auto logs = ServiceModel::Load("logs");
  ASSERT_TRUE(logs.ok());
  EXPECT_EQ((*logs)->target_prefix(), "Logs_20140328");
  EXPECT_EQ((*logs)->signing_name(), "logs");
}

}  // namespace
}  // namespace gantry::aws
