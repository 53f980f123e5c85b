#include "aws/ecs_service.h"

#include "adapter_fixture.h"
#include "model/region.h"

namespace gantry::aws {
namespace {

namespace json = boost::json;

class EcsServiceTest : public testing::AdapterTest {
 protected:
  void SetUp() override {
    AdapterTest::SetUp();
    taskdefs_ = std::make_unique<services::TaskDefinitionService>(*store_, clock_, model::Account{});
    tasks_ = std::make_unique<services::TaskService>(*store_, clock_, *taskdefs_);
    services_ = std::make_unique<services::ServiceService>(*store_, clock_, *taskdefs_, *tasks_);
    ecs_ = std::make_unique<EcsService>(
        EcsServiceDeps{*store_, *taskdefs_, *tasks_, *services_, *logs_, clock_});
  }
  void TearDown() override {
    ecs_.reset();
    services_.reset();
    tasks_.reset();
    taskdefs_.reset();
    AdapterTest::TearDown();
  }
  json::object Register(const std::string& family, const std::string& region = "us-east-1",
                        const std::string& container_extra = "") {
    return Ok(*ecs_, "RegisterTaskDefinition",
              R"({"family":")" + family +
                  R"(","containerDefinitions":[{"name":"main","image":"busybox")" +
                  container_extra + "}]}",
              region);
  }
  std::string RunOne(const std::string& body, const std::string& region = "us-east-1") {
    auto out = Ok(*ecs_, "RunTask", body, region);
    if (!out.contains("tasks") || out["tasks"].as_array().size() != 1) return "";
    return S(out["tasks"].as_array()[0].as_object()["taskArn"]);
  }

  std::unique_ptr<services::TaskDefinitionService> taskdefs_;
  std::unique_ptr<services::TaskService> tasks_;
  std::unique_ptr<services::ServiceService> services_;
  std::unique_ptr<EcsService> ecs_;
};

TEST_F(EcsServiceTest, TaskDefinitionsArePerRegionAndNameTheRegion) {
  auto west = Register("web", "us-west-2");
  EXPECT_EQ(S(west["taskDefinition"].as_object()["taskDefinitionArn"]),
            "arn:aws:ecs:us-west-2:000000000000:task-definition/web:1");
  EXPECT_EQ(Register("web", "us-west-2")["taskDefinition"].as_object()["revision"].as_int64(), 2);
  // A fresh family in another region starts at revision 1 and does not see us-west-2's.
  auto e = Err(*ecs_, "DescribeTaskDefinition", R"({"taskDefinition":"web"})", "eu-west-1");
  EXPECT_EQ(e.type, "ClientException");
  EXPECT_EQ(e.message, "Unable to describe task definition.");
  EXPECT_EQ(Register("web", "eu-west-1")["taskDefinition"].as_object()["revision"].as_int64(), 1);
  auto list = Ok(*ecs_, "ListTaskDefinitions", "{}", "us-west-2");
  EXPECT_EQ(list["taskDefinitionArns"].as_array().size(), 2u);
  auto desc = Ok(*ecs_, "ListTaskDefinitions", R"({"sort":"DESC"})", "us-west-2");
  EXPECT_EQ(S(desc["taskDefinitionArns"].as_array()[0]),
            "arn:aws:ecs:us-west-2:000000000000:task-definition/web:2");
}

TEST_F(EcsServiceTest, ListTaskDefinitionsPagesAndFilters) {
  for (int i = 0; i < 5; ++i) Register("a");
  Register("ab");
  auto p1 = Ok(*ecs_, "ListTaskDefinitions", R"({"familyPrefix":"a","maxResults":2})");
  ASSERT_EQ(p1["taskDefinitionArns"].as_array().size(), 2u);
  ASSERT_TRUE(p1.contains("nextToken"));
  std::vector<std::string> all;
  std::string token = S(p1["nextToken"]);
  for (auto& v : p1["taskDefinitionArns"].as_array()) all.push_back(S(v));
  while (!token.empty()) {
    auto p = Ok(*ecs_, "ListTaskDefinitions",
                R"({"familyPrefix":"a","maxResults":2,"nextToken":")" + token + "\"}");
    for (auto& v : p["taskDefinitionArns"].as_array()) all.push_back(S(v));
    token = p.contains("nextToken") ? S(p["nextToken"]) : "";
  }
  EXPECT_EQ(all.size(), 5u);  // familyPrefix is the whole family name in ListTaskDefinitions
  EXPECT_EQ(Err(*ecs_, "ListTaskDefinitions", R"({"nextToken":"garbage"})").type,
            "InvalidParameterException");

  Ok(*ecs_, "DeregisterTaskDefinition", R"({"taskDefinition":"ab:1"})");
  auto active = Ok(*ecs_, "ListTaskDefinitionFamilies", R"({"status":"ACTIVE"})");
  EXPECT_EQ(json::serialize(active["families"]), R"(["a"])");
  auto inactive = Ok(*ecs_, "ListTaskDefinitionFamilies", R"({"status":"INACTIVE"})");
  EXPECT_EQ(json::serialize(inactive["families"]), R"(["ab"])");
  auto both = Ok(*ecs_, "ListTaskDefinitionFamilies", R"({"familyPrefix":"a"})");
  EXPECT_EQ(both["families"].as_array().size(), 2u);
}

TEST_F(EcsServiceTest, DescribeTaskDefinitionIncludesTagsOnlyWhenAsked) {
  Ok(*ecs_, "RegisterTaskDefinition",
     R"({"family":"t","containerDefinitions":[{"name":"m","image":"busybox"}],"tags":[{"key":"team","value":"x"}]})");
  auto plain = Ok(*ecs_, "DescribeTaskDefinition", R"({"taskDefinition":"t"})");
  EXPECT_FALSE(plain.contains("tags"));
  EXPECT_FALSE(plain["taskDefinition"].as_object().contains("tags"));
  auto tagged = Ok(*ecs_, "DescribeTaskDefinition", R"({"taskDefinition":"t:1","include":["TAGS"]})");
  EXPECT_EQ(json::serialize(tagged["tags"]), R"([{"key":"team","value":"x"}])");
}

TEST_F(EcsServiceTest, RunDescribeListStopTasks) {
  Register("job");
  auto out = Ok(*ecs_, "RunTask",
                R"({"taskDefinition":"job","count":3,"startedBy":"me","launchType":"EC2",
                    "networkConfiguration":{"awsvpcConfiguration":{"subnets":["subnet-1"]}},
                    "overrides":{"containerOverrides":[{"name":"main","environment":[{"name":"A","value":"1"}]}]}})");
  ASSERT_EQ(out["tasks"].as_array().size(), 3u);
  EXPECT_TRUE(out["failures"].as_array().empty());
  auto t0 = out["tasks"].as_array()[0].as_object();
  std::string arn = S(t0["taskArn"]);
  EXPECT_EQ(arn.rfind("arn:aws:ecs:us-east-1:000000000000:task/default/", 0), 0u) << arn;
  EXPECT_EQ(S(t0["lastStatus"]), "PROVISIONING");
  EXPECT_EQ(S(t0["launchType"]), "EC2");
  EXPECT_TRUE(t0["createdAt"].is_double() || t0["createdAt"].is_int64());
  EXPECT_LT(t0["createdAt"].to_number<double>(), 2e9);  // epoch seconds

  std::string id = arn.substr(arn.rfind('/') + 1);
  auto desc = Ok(*ecs_, "DescribeTasks",
                 R"({"tasks":[")" + id + R"(", "0123456789abcdef0123456789abcdef", "nope"]})");
  ASSERT_EQ(desc["tasks"].as_array().size(), 1u);
  ASSERT_EQ(desc["failures"].as_array().size(), 2u);
  EXPECT_EQ(S(desc["failures"].as_array()[0].as_object()["reason"]), "MISSING");
  EXPECT_EQ(S(desc["failures"].as_array()[0].as_object()["arn"]),
            "arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef");
  // Other regions do not see the task.
  auto other = Ok(*ecs_, "DescribeTasks", R"({"tasks":[")" + arn + R"("]})", "eu-west-1");
  EXPECT_TRUE(other["tasks"].as_array().empty());
  EXPECT_EQ(other["failures"].as_array().size(), 1u);

  auto page = Ok(*ecs_, "ListTasks", R"({"maxResults":2,"startedBy":"me"})");
  EXPECT_EQ(page["taskArns"].as_array().size(), 2u);
  auto rest = Ok(*ecs_, "ListTasks",
                 R"({"maxResults":2,"startedBy":"me","nextToken":")" + S(page["nextToken"]) + "\"}");
  EXPECT_EQ(rest["taskArns"].as_array().size(), 1u);
  EXPECT_FALSE(rest.contains("nextToken"));
  EXPECT_TRUE(Ok(*ecs_, "ListTasks", "{}", "eu-west-1")["taskArns"].as_array().empty());

  auto stopped = Ok(*ecs_, "StopTask", R"({"task":")" + arn + R"(","reason":"done"})");
  EXPECT_EQ(S(stopped["task"].as_object()["desiredStatus"]), "STOPPED");
  EXPECT_EQ(S(stopped["task"].as_object()["stoppedReason"]), "done");
  EXPECT_EQ(Ok(*ecs_, "ListTasks", "{}")["taskArns"].as_array().size(), 2u);  // RUNNING by default
  EXPECT_EQ(Ok(*ecs_, "ListTasks", R"({"desiredStatus":"STOPPED"})")["taskArns"].as_array().size(),
            1u);
  auto e = Err(*ecs_, "StopTask", R"({"task":"0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(e.type, "InvalidParameterException");
  EXPECT_EQ(e.message, "The referenced task was not found.");
}

TEST_F(EcsServiceTest, RunTaskErrorsSpeakEcs) {
  auto e = Err(*ecs_, "RunTask", R"({"taskDefinition":"missing"})");
  EXPECT_EQ(e.type, "ClientException");
  EXPECT_EQ(e.message, "TaskDefinition not found.");
  Register("x");
  e = Err(*ecs_, "RunTask", R"({"taskDefinition":"x","cluster":"nope"})");
  EXPECT_EQ(e.type, "ClusterNotFoundException");
  EXPECT_EQ(e.message, "Cluster not found.");
  e = Err(*ecs_, "RunTask", R"({"taskDefinition":"x","count":11})");
  EXPECT_EQ(e.type, "InvalidParameterException");
  Ok(*ecs_, "DeregisterTaskDefinition", R"({"taskDefinition":"x:1"})");
  e = Err(*ecs_, "RunTask", R"({"taskDefinition":"x:1"})");
  EXPECT_EQ(e.type, "ClientException");
  EXPECT_EQ(e.message, "TaskDefinition is inactive");
  e = Err(*ecs_, "NoSuchOperation", "{}");
  EXPECT_EQ(e.status, 400);
}

TEST_F(EcsServiceTest, ClustersAreRealAndPerRegion) {
  auto list = Ok(*ecs_, "ListClusters", "{}", "ap-south-1");
  EXPECT_EQ(json::serialize(list["clusterArns"]),
            R"(["arn:aws:ecs:ap-south-1:000000000000:cluster/default"])");
  auto created = Ok(*ecs_, "CreateCluster",
                    R"({"clusterName":"prod","tags":[{"key":"env","value":"p"}]})");
  EXPECT_EQ(S(created["cluster"].as_object()["status"]), "ACTIVE");
  EXPECT_EQ(S(created["cluster"].as_object()["clusterArn"]),
            "arn:aws:ecs:us-east-1:000000000000:cluster/prod");
  Ok(*ecs_, "CreateCluster", R"({"clusterName":"prod"})");  // idempotent
  EXPECT_EQ(Ok(*ecs_, "ListClusters", "{}")["clusterArns"].as_array().size(), 2u);
  EXPECT_EQ(Ok(*ecs_, "ListClusters", "{}", "eu-west-1")["clusterArns"].as_array().size(), 1u);

  Register("svc");
  std::string arn = RunOne(R"({"taskDefinition":"svc","cluster":"prod"})");
  EXPECT_NE(arn.find(":task/prod/"), std::string::npos);
  auto d = Ok(*ecs_, "DescribeClusters", R"({"clusters":["prod","ghost"],"include":["TAGS"]})");
  ASSERT_EQ(d["clusters"].as_array().size(), 1u);
  auto c = d["clusters"].as_array()[0].as_object();
  EXPECT_EQ(c["pendingTasksCount"].as_int64(), 1);
  EXPECT_EQ(json::serialize(c["tags"]), R"([{"key":"env","value":"p"}])");
  EXPECT_EQ(S(d["failures"].as_array()[0].as_object()["arn"]),
            "arn:aws:ecs:us-east-1:000000000000:cluster/ghost");
  // The task is in prod, not default.
  EXPECT_EQ(Ok(*ecs_, "DescribeTasks", R"({"tasks":[")" + arn + R"("]})")["failures"]
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(Ok(*ecs_, "DescribeTasks", R"({"cluster":"prod","tasks":[")" + arn + R"("]})")["tasks"]
                .as_array()
                .size(),
            1u);

  auto e = Err(*ecs_, "DeleteCluster", R"({"cluster":"prod"})");
  EXPECT_EQ(e.type, "ClusterContainsTasksException");
  Ok(*ecs_, "StopTask", R"({"cluster":"prod","task":")" + arn + R"("})");
  auto del = Ok(*ecs_, "DeleteCluster",
                R"({"cluster":"arn:aws:ecs:us-east-1:000000000000:cluster/prod"})");
  EXPECT_EQ(S(del["cluster"].as_object()["status"]), "INACTIVE");
  EXPECT_EQ(Err(*ecs_, "RunTask", R"({"taskDefinition":"svc","cluster":"prod"})").type,
            "ClusterNotFoundException");
  EXPECT_EQ(Err(*ecs_, "DeleteCluster", R"({"cluster":"ghost"})").type, "ClusterNotFoundException");
  // RunTask in a region's default cluster works without creating it.
  Register("svc", "sa-east-1");
  EXPECT_NE(RunOne(R"({"taskDefinition":"svc"})", "sa-east-1").find(":sa-east-1:"),
            std::string::npos);
}

TEST_F(EcsServiceTest, TagResourceOnEveryKind) {
  auto td = Register("tg");
  std::string td_arn = S(td["taskDefinition"].as_object()["taskDefinitionArn"]);
  std::string task_arn = RunOne(R"({"taskDefinition":"tg"})");
  std::string cluster_arn = "arn:aws:ecs:us-east-1:000000000000:cluster/default";
  for (const std::string& arn : {td_arn, task_arn, cluster_arn}) {
    Ok(*ecs_, "TagResource",
       R"({"resourceArn":")" + arn + R"(","tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]})");
    Ok(*ecs_, "UntagResource", R"({"resourceArn":")" + arn + R"(","tagKeys":["a"]})");
    auto tags = Ok(*ecs_, "ListTagsForResource", R"({"resourceArn":")" + arn + R"("})");
    EXPECT_EQ(json::serialize(tags["tags"]), R"([{"key":"b","value":"2"}])") << arn;
  }
  auto e = Err(*ecs_, "ListTagsForResource",
               R"({"resourceArn":"arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  e = Err(*ecs_, "ListTagsForResource", R"({"resourceArn":")" + td_arn + R"("})", "eu-west-1");
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(Err(*ecs_, "TagResource", R"({"resourceArn":"nope","tags":[]})").type,
            "InvalidParameterException");
}

TEST_F(EcsServiceTest, AwslogsGroupIsCreatedOrTheTaskFailsToStart) {
  Register("lg", "us-east-1",
           R"(,"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/lg","awslogs-stream-prefix":"p","awslogs-create-group":"true"}})");
  std::string arn = RunOne(R"({"taskDefinition":"lg"})");
  auto groups = logs_->ListGroups("us-east-1:/ecs/lg");
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->size(), 1u);
  auto t = tasks_->Describe(arn);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->containers[0].log_group, "us-east-1:/ecs/lg");
  EXPECT_EQ(t->containers[0].log_stream, "p/main/" + t->id);

  // Without awslogs-create-group the group must exist, as on ECS.
  Register("nolg", "us-east-1",
           R"(,"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/none","awslogs-stream-prefix":"p","awslogs-region":"eu-west-1"}})");
  std::string failed = RunOne(R"({"taskDefinition":"nolg"})");
  auto f = tasks_->Describe(failed);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->last_status, "STOPPED");
  EXPECT_EQ(f->stop_code, "TaskFailedToStart");
  EXPECT_NE(f->stopped_reason.find("The specified log group does not exist."), std::string::npos);
  EXPECT_EQ(f->containers[0].log_group, "eu-west-1:/ecs/none");
  ASSERT_TRUE(logs_->CreateGroup("eu-west-1:/ecs/none", 0).ok());
  auto ok = tasks_->Describe(RunOne(R"({"taskDefinition":"nolg"})"));
  EXPECT_EQ(ok->last_status, "PROVISIONING");
}

TEST_F(EcsServiceTest, ServicesThroughTheEcsDialect) {
  Register("web");
  Ok(*ecs_, "CreateCluster", R"({"clusterName":"c1"})");
  auto created = Ok(*ecs_, "CreateService",
                    R"({"cluster":"c1","serviceName":"api","taskDefinition":"web","desiredCount":2})",
                    "us-east-1");
  auto s = created["service"].as_object();
  EXPECT_EQ(S(s["serviceArn"]), "arn:aws:ecs:us-east-1:000000000000:service/c1/api");
  EXPECT_EQ(S(s["taskDefinition"]), "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
  EXPECT_EQ(Err(*ecs_, "CreateService",
                R"({"cluster":"nope","serviceName":"api","taskDefinition":"web"})")
                .type,
            "ClusterNotFoundException");
  auto list = Ok(*ecs_, "ListServices", R"({"cluster":"c1"})");
  EXPECT_EQ(list["serviceArns"].as_array().size(), 1u);
  EXPECT_TRUE(Ok(*ecs_, "ListServices", "{}")["serviceArns"].as_array().empty());
  auto desc = Ok(*ecs_, "DescribeServices", R"({"cluster":"c1","services":["api","ghost"]})");
  EXPECT_EQ(desc["services"].as_array().size(), 1u);
  EXPECT_EQ(S(desc["failures"].as_array()[0].as_object()["reason"]), "MISSING");
  EXPECT_EQ(Err(*ecs_, "DescribeServices", R"({"cluster":"c1","services":["api"]})", "eu-west-1")
                .type,
            "ClusterNotFoundException");
  auto upd = Ok(*ecs_, "UpdateService",
                R"({"cluster":"c1","service":"api","forceNewDeployment":true})");
  EXPECT_EQ(upd["service"].as_object()["deployments"].as_array().size(), 2u);
  EXPECT_EQ(Err(*ecs_, "UpdateService", R"({"service":"api","desiredCount":1})").type,
            "ServiceNotFoundException");
  EXPECT_EQ(Err(*ecs_, "DeleteService", R"({"cluster":"c1","service":"api"})").type,
            "InvalidParameterException");  // still scaled above 0
  auto del = Ok(*ecs_, "DeleteService", R"({"cluster":"c1","service":"api","force":true})");
  EXPECT_EQ(S(del["service"].as_object()["status"]), "DRAINING");
  EXPECT_EQ(Err(*ecs_, "DeleteCluster", R"({"cluster":"c1"})").type,
            "ClusterContainsServicesException");
}

}  // namespace
}  // namespace gantry::aws
