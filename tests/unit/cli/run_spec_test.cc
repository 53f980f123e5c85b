#include "cli/run_spec.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace gantry::cli {
namespace {

namespace json = boost::json;

TEST(SanitizeFamilyTest, ReplacesEverythingOutsideTheFamilyAlphabet) {
  EXPECT_EQ(SanitizeFamilyPart("busybox:latest"), "busybox-latest");
  EXPECT_EQ(SanitizeFamilyPart("registry.local:5000/team/app:v1.2"),
            "registry-local-5000-team-app-v1-2");
  EXPECT_EQ(SanitizeFamilyPart("my_image-x"), "my_image-x");
  EXPECT_EQ(SanitizeFamilyPart("a@sha256:ab"), "a-sha256-ab");
  EXPECT_EQ(SanitizeFamilyPart("é"), "--");  // two UTF-8 bytes
  EXPECT_EQ(RunFamilyFor("busybox"), "run-busybox");
}

TEST(SanitizeFamilyTest, FitsTheEcsLengthLimit) {
  std::string family = RunFamilyFor(std::string(400, 'a'));
  EXPECT_EQ(family.size(), 255u);
  EXPECT_TRUE(family.starts_with("run-aaa"));
}

TEST(ParseEnvAssignmentTest, Forms) {
  auto lookup = [](const std::string& k) -> std::optional<std::string> {
    if (k == "HOME") return "/root";
    return std::nullopt;
  };
  auto kv = ParseEnvAssignment("A=1", lookup);
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(**kv, (std::pair<std::string, std::string>{"A", "1"}));
  kv = ParseEnvAssignment("A=b=c", lookup);
  EXPECT_EQ((*kv)->second, "b=c");
  kv = ParseEnvAssignment("EMPTY=", lookup);
  EXPECT_EQ((*kv)->second, "");
  kv = ParseEnvAssignment("HOME", lookup);
  EXPECT_EQ((*kv)->second, "/root");
  kv = ParseEnvAssignment("UNSET_VAR", lookup);
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE(kv->has_value());
  EXPECT_FALSE(ParseEnvAssignment("=x", lookup).ok());
  EXPECT_FALSE(ParseEnvAssignment("", lookup).ok());
}

TEST(TaskDefinitionFitsTest, ReusesOnlyMatchingSingleContainer) {
  RunSpec spec{.image = "busybox:latest"};
  auto td = [](const char* text) { return json::parse(text).as_object(); };
  EXPECT_TRUE(TaskDefinitionFits(
      td(R"({"status":"ACTIVE","containerDefinitions":[{"name":"main","image":"busybox:latest"}]})"),
      spec));
  EXPECT_FALSE(TaskDefinitionFits(
      td(R"({"status":"ACTIVE","containerDefinitions":[{"name":"main","image":"busybox:1.36"}]})"),
      spec));
  EXPECT_FALSE(TaskDefinitionFits(
      td(R"({"status":"ACTIVE","containerDefinitions":[{"name":"app","image":"busybox:latest"}]})"),
      spec));
  EXPECT_FALSE(TaskDefinitionFits(
      td(R"({"status":"INACTIVE","containerDefinitions":[{"name":"main","image":"busybox:latest"}]})"),
      spec));
  EXPECT_FALSE(TaskDefinitionFits(
      td(R"({"containerDefinitions":[{"name":"main","image":"busybox:latest"},{"name":"b","image":"x"}]})"),
      spec));
  EXPECT_FALSE(TaskDefinitionFits(td(R"({"status":"ACTIVE"})"), spec));
}

TEST(RequestBodiesTest, RegisterBody) {
  RunSpec spec{.image = "busybox:latest", .container_name = "web"};
  EXPECT_EQ(RegisterTaskDefinitionBody(spec),
            json::parse(R"({"family":"run-busybox-latest","containerDefinitions":[
              {"name":"web","image":"busybox:latest","essential":true}]})"));
}

TEST(RequestBodiesTest, RunBodyWithoutOverrides) {
  RunSpec spec{.image = "busybox"};
  EXPECT_EQ(RunTaskBody(spec, "run-busybox:3"),
            json::parse(R"({"taskDefinition":"run-busybox:3","count":1})"));
}

TEST(RequestBodiesTest, RunBodyWithEveryOverride) {
  RunSpec spec{.image = "busybox",
               .command = {"sh", "-c", "echo hi"},
               .environment = {{"A", "1"}, {"B", ""}},
               .cpu = 512,
               .memory = 1024,
               .started_by = "me"};
  EXPECT_EQ(RunTaskBody(spec, "run-busybox:1"), json::parse(R"({
    "taskDefinition":"run-busybox:1","count":1,"startedBy":"me",
    "overrides":{"cpu":"512","memory":"1024","containerOverrides":[{
      "name":"main","command":["sh","-c","echo hi"],
      "environment":[{"name":"A","value":"1"},{"name":"B","value":""}],
      "cpu":512,"memory":1024}]}})"));
}

}  // namespace
}  // namespace gantry::cli
