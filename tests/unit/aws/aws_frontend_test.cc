#include "aws/aws_frontend.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <mutex>

#include "aws_test_util.h"

namespace gantry::aws {
namespace {

using testing::MakeRequest;
namespace json = boost::json;

constexpr char kAkid[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kEcs[] = "AmazonEC2ContainerServiceV20141113";

class FakeEcs : public AwsService {
 public:
  std::string TargetPrefix() const override { return kEcs; }
  std::string SigningName() const override { return "ecs"; }
  std::string ModelName() const override { return "ecs"; }
  AwsResult Call(const AwsCall& call) override {
    std::lock_guard lock(mu_);
    calls.push_back(call);
    if (call.operation == "DeleteCluster") {
      return AwsError{400, "ClusterNotFoundException", "Cluster not found."};
    }
    if (call.operation == "StopTask") throw std::runtime_error("adapter bug");
    return json::object{{"operation", call.operation}, {"region", call.region}};
  }
  std::mutex mu_;
  std::vector<AwsCall> calls;
};

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class AwsFrontendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = frontend_.Register(&ecs_);
    if (!r.ok()) GTEST_SKIP() << r.error().message;
  }
  api::HttpRequest Signed(const std::string& op, const std::string& body,
                          const std::string& service = "ecs", const std::string& prefix = kEcs) {
    auto req = MakeRequest("POST", "/",
                           {{"host", "127.0.0.1:7480"},
                            {"content-type", "application/x-amz-json-1.1"},
                            {"x-amz-target", prefix + "." + op}},
                           body);
    SignRequest(req, kAkid, kSecret, "local", service, Now());
    return req;
  }
  static json::object Body(const api::HttpResponse& r) { return json::parse(r.body).as_object(); }
  static std::string Header(const api::HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  void ExpectError(const api::HttpResponse& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
    EXPECT_EQ(Header(r, "X-Amzn-ErrorType"), type);
    EXPECT_EQ(Header(r, "x-amzn-RequestId").size(), 36u);
    auto b = Body(r);
    EXPECT_EQ(b.at("__type").as_string(), type) << r.body;
    EXPECT_TRUE(b.at("message").is_string());
  }

  FakeEcs ecs_;
  AwsFrontend frontend_{[](const std::string& id) -> std::optional<std::string> {
                          if (id == kAkid) return std::string(kSecret);
                          return std::nullopt;
                        },
                        [] { return Now(); }};
};

TEST_F(AwsFrontendTest, SignedCallReachesTheService) {
  auto r = frontend_.Handle(Signed("RunTask", R"({"taskDefinition":"web:1","count":1})"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(Header(r, "x-amzn-RequestId").size(), 36u);
  EXPECT_EQ(Body(r).at("operation"), "RunTask");
  EXPECT_EQ(Body(r).at("region"), "local");
  ASSERT_EQ(ecs_.calls.size(), 1u);
  EXPECT_EQ(ecs_.calls[0].access_key_id, kAkid);
  EXPECT_EQ(ecs_.calls[0].input.at("count"), 1);
}

TEST_F(AwsFrontendTest, EmptyBodyIsAnEmptyObject) {
  auto r = frontend_.Handle(Signed("ListClusters", ""));
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(ecs_.calls.size(), 1u);
  EXPECT_TRUE(ecs_.calls[0].input.empty());
}

TEST_F(AwsFrontendTest, RequestsThatFailAuthenticationNeverReachTheService) {
  auto unsigned_req = MakeRequest("POST", "/", {{"host", "h"}, {"x-amz-target", std::string(kEcs) + ".RunTask"}}, "{}");
  EXPECT_TRUE(frontend_.Handles(unsigned_req));
  ExpectError(frontend_.Handle(unsigned_req), 400, "MissingAuthenticationTokenException");

  auto tampered = Signed("RunTask", R"({"taskDefinition":"web:1"})");
  tampered.body = R"({"taskDefinition":"web:2"})";
  auto r = frontend_.Handle(tampered);
  ExpectError(r, 403, "InvalidSignatureException");

  auto wrong_key = Signed("RunTask", R"({"taskDefinition":"web:1"})");
  wrong_key.headers["authorization"].replace(wrong_key.headers["authorization"].find(kAkid), 4, "AKIB");
  ExpectError(frontend_.Handle(wrong_key), 400, "UnrecognizedClientException");

  auto old = MakeRequest("POST", "/", {{"host", "h"}, {"x-amz-target", std::string(kEcs) + ".RunTask"}}, "{}");
  SignRequest(old, kAkid, kSecret, "local", "ecs", Now() - 3600);
  r = frontend_.Handle(old);
  ExpectError(r, 400, "InvalidSignatureException");
  EXPECT_EQ(Body(r).at("message").as_string().find("Signature expired"), 0u);

  // Even an unknown operation is answered with the authentication error first.
  auto unknown = MakeRequest("POST", "/", {{"host", "h"}, {"x-amz-target", "Nope.Nope"}}, "{}");
  ExpectError(frontend_.Handle(unknown), 400, "MissingAuthenticationTokenException");
  EXPECT_TRUE(ecs_.calls.empty());
}

TEST_F(AwsFrontendTest, ScopeServiceMustMatchTheTarget) {
  auto r = frontend_.Handle(Signed("ListClusters", "{}", "logs"));
  ExpectError(r, 400, "InvalidSignatureException");
  EXPECT_EQ(Body(r).at("message"), "Credential should be scoped to correct service: 'ecs'. ");
  EXPECT_TRUE(ecs_.calls.empty());
}

TEST_F(AwsFrontendTest, UnknownTargetsAndOperations) {
  ExpectError(frontend_.Handle(Signed("Frobnicate", "{}")), 400, "UnknownOperationException");
  ExpectError(frontend_.Handle(Signed("ListQueues", "{}", "ecs", "AmazonSQS")), 400,
              "UnknownOperationException");
  auto no_target = Signed("ListClusters", "{}");
  no_target.headers.erase("x-amz-target");
  SignRequest(no_target, kAkid, kSecret, "local", "ecs", Now());
  EXPECT_TRUE(frontend_.Handles(no_target));
  ExpectError(frontend_.Handle(no_target), 400, "UnknownOperationException");
  EXPECT_TRUE(ecs_.calls.empty());
}

TEST_F(AwsFrontendTest, MalformedAndInvalidBodies) {
  ExpectError(frontend_.Handle(Signed("RunTask", "{\"taskDefinition\":")), 400, "SerializationException");
  ExpectError(frontend_.Handle(Signed("RunTask", "[]")), 400, "SerializationException");
  ExpectError(frontend_.Handle(Signed("RunTask", R"({"taskDefinition":"x","count":"1"})")), 400,
              "SerializationException");
  auto r = frontend_.Handle(Signed("RunTask", R"({"count":1})"));
  ExpectError(r, 400, "InvalidParameterException");
  EXPECT_NE(Body(r).at("message").as_string().find("'taskDefinition'"), std::string::npos);
  ExpectError(frontend_.Handle(Signed("RunTask", R"({"taskDefinition":"x","bogus":1})")), 400,
              "InvalidParameterException");
  EXPECT_TRUE(ecs_.calls.empty());
}

TEST_F(AwsFrontendTest, ServiceErrorsAndExceptions) {
  auto r = frontend_.Handle(Signed("DeleteCluster", R"({"cluster":"nope"})"));
  ExpectError(r, 400, "ClusterNotFoundException");
  EXPECT_EQ(Body(r).at("message"), "Cluster not found.");
  r = frontend_.Handle(Signed("StopTask", R"({"task":"t"})"));
  ExpectError(r, 500, "InternalFailure");
}

TEST_F(AwsFrontendTest, RegisteringTwiceFails) {
  EXPECT_FALSE(frontend_.Register(&ecs_).ok());
}

// A JSON 1.0 service whose errors use "Message".
class FakeTiny : public AwsService {
 public:
  std::string TargetPrefix() const override { return "Tiny_2020"; }
  std::string SigningName() const override { return "tiny"; }
  std::string ModelName() const override { return "tiny"; }
  AwsResult Call(const AwsCall&) override {
    return AwsError{400, "ValidationException", "nope"};
  }
};

TEST(AwsFrontendJson10, UsesTheModelsContentTypeAndMessageKey) {
  auto model = ServiceModel::Parse(R"({"metadata":{"protocol":"json","jsonVersion":"1.0",
      "targetPrefix":"Tiny_2020","signingName":"tiny"},
      "operations":{"Go":{"name":"Go"}},
      "shapes":{"ValidationException":{"type":"structure","exception":true,
                "members":{"Message":{"shape":"S"}}},"S":{"type":"string"}}})");
  ASSERT_TRUE(model.ok());
  FakeTiny tiny;
  AwsFrontend fe([](const std::string&) { return std::string(kSecret); }, [] { return Now(); });
  ASSERT_TRUE(fe.Register(&tiny, *model).ok());
  auto req = MakeRequest("POST", "/", {{"host", "h"}, {"x-amz-target", "Tiny_2020.Go"}}, "");
  SignRequest(req, kAkid, kSecret, "r", "tiny", Now());
  auto r = fe.Handle(req);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(r.body, R"({"__type":"ValidationException","Message":"nope"})");
}

// The request is signed by botocore (Debian's python3-botocore) at the current time.
TEST_F(AwsFrontendTest, AcceptsARequestSignedByBotocore) {
  const char* script = R"PY(
import json
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
body = json.dumps({"taskDefinition": "web:1", "count": 2, "startedBy": "b\u00e9"})
req = AWSRequest(method="POST", url="http://127.0.0.1:7480/", data=body.encode(),
                 headers={"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask",
                          "Content-Type": "application/x-amz-json-1.1",
                          "User-Agent": "aws-cli/2.9.19", "Host": "127.0.0.1:7480"})
SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
          "ecs", "local").add_auth(req)
print(json.dumps({"headers": dict(req.headers.items()), "body": body}))
)PY";
  std::string cmd = "/usr/bin/python3 -c '" + std::string(script) + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (::pclose(p) != 0 || out.empty()) GTEST_SKIP() << "python3-botocore not available";
  auto j = json::parse(out).as_object();
  std::map<std::string, std::string> headers;
  for (const auto& [k, v] : j.at("headers").as_object()) headers[k] = v.as_string();
  auto req = MakeRequest("POST", "/", headers, std::string(j.at("body").as_string()));
  auto r = frontend_.Handle(req);
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(ecs_.calls.size(), 1u);
  EXPECT_EQ(ecs_.calls[0].input.at("startedBy"), "b\xc3\xa9");
  // The same request with one byte changed is refused.
  req.body[5] ^= 1;
  ExpectError(frontend_.Handle(req), 403, "InvalidSignatureException");
}

}  // namespace
}  // namespace gantry::aws
