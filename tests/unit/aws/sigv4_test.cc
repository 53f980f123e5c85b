#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include "aws_test_util.h"

namespace gantry::aws {
namespace {

using testing::MakeRequest;
namespace json = boost::json;

constexpr char kAkid[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr int64_t kWhen = 1440938160;  // 20150830T123600Z

json::object Vectors() {
  return testing::ReadJsonFile(std::string(GANTRY_AWS_TEST_DATA) + "/sigv4_vectors.json").as_object();
}

api::HttpRequest FromVector(const json::object& v) {
  std::map<std::string, std::string> headers;
  for (const auto& [k, val] : v.at("headers").as_object()) headers[k] = val.as_string();
  return MakeRequest(std::string(v.at("method").as_string()), std::string(v.at("target").as_string()),
                     headers, std::string(v.at("body").as_string()));
}

SigV4Verifier VerifierAt(int64_t now) {
  return SigV4Verifier(
      [](const std::string& id) -> std::optional<std::string> {
        if (id == kAkid) return std::string(kSecret);
        return std::nullopt;
      },
      [now] { return now; });
}

AwsError ErrorOf(const AwsOutcome<SigV4Identity>& r) {
  if (auto* e = std::get_if<AwsError>(&r)) return *e;
  return AwsError{0, "ok", ""};
}

api::HttpRequest RunTaskVector() {
  auto all = Vectors();
  for (const auto& v : all.at("vectors").as_array()) {
    if (v.at("name") == "post-ecs-runtask") return FromVector(v.as_object());
  }
  ADD_FAILURE() << "vector missing";
  return {};
}

TEST(SigV4, DerivesTheSigningKeyOfTheAwsDocumentation) {
  std::string key = DeriveSigningKey(kSecret, "20120215", "us-east-1", "iam");
  EXPECT_EQ(HexHmacSha256(key, "").size(), 64u);
  std::string hex;
  for (unsigned char c : key) {
    static const char kHex[] = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 0xf];
  }
  EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4, GetVanillaMatchesTheAwsTestSuite) {
  auto req = MakeRequest("GET", "/", {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}}, "");
  SignRequest(req, kAkid, kSecret, "us-east-1", "service", kWhen);
  EXPECT_EQ(req.Header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// Every vector signed by botocore: same canonical request, string to sign, and it verifies.
TEST(SigV4, VerifiesEveryBotocoreSignedVector) {
  auto all = Vectors();
  ASSERT_GE(all.at("vectors").as_array().size(), 20u);
  auto verifier = VerifierAt(all.at("time").as_int64());
  for (const auto& jv : all.at("vectors").as_array()) {
    const auto& v = jv.as_object();
    SCOPED_TRACE(std::string(v.at("name").as_string()));
    auto req = FromVector(v);
    auto parsed = ParseSigV4(req);
    ASSERT_TRUE(std::holds_alternative<SigV4Auth>(parsed));
    const auto& a = std::get<SigV4Auth>(parsed);
    std::string canonical = CanonicalRequest(req, a.signed_headers, HexSha256(req.body), false);
    EXPECT_EQ(canonical, v.at("canonical_request").as_string());
    EXPECT_EQ(StringToSign(a.amz_date, a.Scope(), canonical), v.at("string_to_sign").as_string());
    auto r = verifier.Verify(req);
    ASSERT_TRUE(std::holds_alternative<SigV4Identity>(r)) << ErrorOf(r).message;
    EXPECT_EQ(std::get<SigV4Identity>(r).access_key_id, kAkid);
  }
}

TEST(SigV4, ReportsRegionAndServiceOfTheScope) {
  auto r = VerifierAt(kWhen).Verify(RunTaskVector());
  ASSERT_TRUE(std::holds_alternative<SigV4Identity>(r)) << ErrorOf(r).message;
  EXPECT_EQ(std::get<SigV4Identity>(r).region, "local");
  EXPECT_EQ(std::get<SigV4Identity>(r).service, "ecs");
}

TEST(SigV4, TamperedBodyHeaderSignatureOrDateIsRejected) {
  auto verifier = VerifierAt(kWhen);
  auto check = [&](api::HttpRequest req, const char* what) {
    SCOPED_TRACE(what);
    AwsError e = ErrorOf(verifier.Verify(req));
    EXPECT_EQ(e.status, 403);
    EXPECT_EQ(e.type, "InvalidSignatureException");
    EXPECT_EQ(e.message.rfind("The request signature we calculated does not match the signature you "
                              "provided. Check your AWS Secret Access Key and signing method.", 0),
              0u);
  };
  auto req = RunTaskVector();
  { auto t = req; t.body[10] ^= 1; check(t, "body"); }
  { auto t = req; t.headers["x-amz-target"] = "AmazonEC2ContainerServiceV20141113.StopTask"; check(t, "signed header"); }
  { auto t = req; t.headers["x-amz-date"] = "20150830T123601Z"; check(t, "date"); }
  { auto t = req; t.method = "PUT"; check(t, "method"); }
  { auto t = req; t.target = "/x"; check(t, "path"); }
  { auto t = req; t.target = "/?a=b"; check(t, "query"); }
  {
    auto t = req;
    std::string& auth = t.headers["authorization"];
    char& last = auth.back();
    last = last == '0' ? '1' : '0';
    check(t, "signature");
  }
  // A header that was not signed may change freely.
  auto t = req;
  t.headers["user-agent"] = "something else";
  EXPECT_TRUE(std::holds_alternative<SigV4Identity>(verifier.Verify(t)));
}

TEST(SigV4, UnknownKeyIsUnrecognizedClient) {
  auto req = RunTaskVector();
  auto r = SigV4Verifier([](const std::string&) { return std::nullopt; }, [] { return kWhen; })
               .Verify(req);
  AwsError e = ErrorOf(r);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "UnrecognizedClientException");
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
}

TEST(SigV4, ClockSkewBeyondFifteenMinutesIsRejected) {
  auto req = RunTaskVector();
  EXPECT_TRUE(std::holds_alternative<SigV4Identity>(VerifierAt(kWhen + 14 * 60).Verify(req)));
  EXPECT_TRUE(std::holds_alternative<SigV4Identity>(VerifierAt(kWhen - 14 * 60).Verify(req)));
  AwsError late = ErrorOf(VerifierAt(kWhen + 16 * 60).Verify(req));
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(late.type, "InvalidSignatureException");
  EXPECT_EQ(late.message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T125200Z - 15 min.)");
  AwsError early = ErrorOf(VerifierAt(kWhen - 16 * 60).Verify(req));
  EXPECT_EQ(early.type, "InvalidSignatureException");
  EXPECT_EQ(early.message.rfind("Signature not yet current: 20150830T123600Z", 0), 0u);
}

TEST(SigV4, MissingOrMalformedAuthorization) {
  auto verifier = VerifierAt(kWhen);
  auto req = RunTaskVector();
  {
    auto t = req;
    t.headers.erase("authorization");
    AwsError e = ErrorOf(verifier.Verify(t));
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.type, "MissingAuthenticationTokenException");
    EXPECT_EQ(e.message, "Missing Authentication Token");
  }
  auto incomplete = [&](const std::string& auth, const std::string& needle) {
    SCOPED_TRACE(auth);
    auto t = req;
    t.headers["authorization"] = auth;
    AwsError e = ErrorOf(verifier.Verify(t));
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.type, "IncompleteSignatureException");
    EXPECT_NE(e.message.find(needle), std::string::npos) << e.message;
  };
  incomplete("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/local/ecs/aws4_request",
             "requires 'SignedHeaders'");
  incomplete("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/local/ecs/aws4_request, "
             "SignedHeaders=host",
             "requires 'Signature'");
  incomplete("AWS4-HMAC-SHA512 Credential=x", "Unsupported AWS 'algorithm'");
  incomplete("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/local/ecs/aws5_request, "
             "SignedHeaders=host, Signature=00",
             "valid terminator");
  incomplete("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/local/ecs/aws4_request, "
             "SignedHeaders=host, Signature=00",
             "Credential should be scoped");
  incomplete("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/local/ecs/aws4_request, "
             "SignedHeaders=x-amz-date, Signature=00",
             "'Host'");
  incomplete("AWS4-HMAC-SHA256 Credential", "not a valid key=value pair");
  {
    auto t = req;
    t.headers.erase("x-amz-date");
    AwsError e = ErrorOf(verifier.Verify(t));
    EXPECT_EQ(e.type, "IncompleteSignatureException");
    EXPECT_NE(e.message.find("'X-Amz-Date'"), std::string::npos);
  }
  {
    auto t = req;
    t.headers["x-amz-date"] = "2015-08-30T12:36:00Z";
    EXPECT_EQ(ErrorOf(verifier.Verify(t)).type, "IncompleteSignatureException");
  }
  {
    auto t = req;
    t.headers["x-amz-date"] = "20150831T123600Z";
    AwsError e = ErrorOf(VerifierAt(kWhen + 86400).Verify(t));
    EXPECT_EQ(e.status, 403);
    EXPECT_NE(e.message.find("Date in Credential scope does not match"), std::string::npos);
  }
}

TEST(SigV4, ContentSha256HeaderMustMatchTheBody) {
  auto verifier = VerifierAt(kWhen);
  api::HttpRequest req = MakeRequest("POST", "/", {{"host", "h:1"}}, "{\"a\":1}");
  req.headers["x-amz-content-sha256"] = HexSha256(req.body);
  SignRequest(req, kAkid, kSecret, "local", "ecs", kWhen);
  EXPECT_TRUE(std::holds_alternative<SigV4Identity>(verifier.Verify(req)));
  req.body = "{\"a\":2}";
  EXPECT_EQ(ErrorOf(verifier.Verify(req)).type, "XAmzContentSHA256Mismatch");
}

TEST(SigV4, PresignedQueryFromBotocore) {
  auto all = Vectors();
  const auto& v = all.at("presigned").as_array().at(0).as_object();
  auto req = FromVector(v);
  EXPECT_TRUE(HasSigV4(req));
  auto ok = VerifierAt(kWhen + 100).Verify(req);
  ASSERT_TRUE(std::holds_alternative<SigV4Identity>(ok)) << ErrorOf(ok).message;
  EXPECT_EQ(std::get<SigV4Identity>(ok).service, "service");
  AwsError expired = ErrorOf(VerifierAt(kWhen + 301).Verify(req));
  EXPECT_EQ(expired.type, "InvalidSignatureException");
  EXPECT_NE(expired.message.find("Signature expired"), std::string::npos);
  auto t = req;
  t.target += "&extra=1";
  EXPECT_EQ(ErrorOf(VerifierAt(kWhen).Verify(t)).status, 403);
}

TEST(SigV4, SignRequestRoundTrips) {
  auto req = MakeRequest("POST", "/", {{"host", "127.0.0.1:7480"}, {"x-amz-target", "A.B"}}, "{}");
  SignRequest(req, kAkid, kSecret, "local", "ecs", kWhen + 12345);
  auto r = VerifierAt(kWhen + 12345).Verify(req);
  ASSERT_TRUE(std::holds_alternative<SigV4Identity>(r)) << ErrorOf(r).message;
}

TEST(SigV4, Canonicalization) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(CanonicalUri("/%7e a"), "/%257e%20a");
  EXPECT_EQ(CanonicalQuery("b=2&a=3&a=1&&c", false), "a=1&a=3&b=2&c=");
  EXPECT_EQ(CanonicalQuery("X-Amz-Signature=1&x=%2f", true), "x=%2F");
  EXPECT_EQ(CanonicalQuery("q=a+b", false), "q=a%2Bb");
  EXPECT_EQ(CanonicalHeaderValue("  a \t b  c  "), "a b c");
  EXPECT_EQ(PercentDecode("%41%zz%4"), "A%zz%4");
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), kWhen);
  EXPECT_EQ(FormatAmzDate(kWhen), "20150830T123600Z");
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z"));
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
}

}  // namespace
}  // namespace gantry::aws
