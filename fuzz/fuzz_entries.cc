#include "fuzz/fuzz_entries.h"

#include <boost/json.hpp>

#include <cctype>
#include <memory>
#include <string>

#include "aws/aws_frontend.h"
#include "aws/sigv4.h"

namespace gantry::fuzz {

namespace json = boost::json;

namespace {

constexpr char kAkid[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr int64_t kNow = 1700000000;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::optional<std::string> Lookup(const std::string& id) {
  if (id == kAkid) return std::string(kSecret);
  return std::nullopt;
}

class EchoService : public aws::AwsService {
 public:
  EchoService(std::string prefix, std::string signing, std::string model)
      : prefix_(std::move(prefix)), signing_(std::move(signing)), model_(std::move(model)) {}
  std::string TargetPrefix() const override { return prefix_; }
  std::string SigningName() const override { return signing_; }
  std::string ModelName() const override { return model_; }
  aws::AwsResult Call(const aws::AwsCall& call) override {
    if (call.input.contains("__fail")) return aws::AwsError{409, "ConflictException", "x"};
    return json::object{{"echo", call.input}};
  }

 private:
  std::string prefix_, signing_, model_;
};

// Used when python3-botocore is not installed, so the target still exercises validation.
constexpr char kFallbackModel[] = R"({"metadata":{"protocol":"json","jsonVersion":"1.1",
 "targetPrefix":"AmazonEC2ContainerServiceV20141113","signingName":"ecs"},
 "operations":{"RunTask":{"name":"RunTask","input":{"shape":"R"}}},
 "shapes":{"R":{"type":"structure","required":["taskDefinition"],"members":{
   "taskDefinition":{"shape":"S"},"count":{"shape":"I"},"tags":{"shape":"L"},"m":{"shape":"M"}}},
  "S":{"type":"string","min":1,"max":20},"I":{"type":"integer","min":1,"max":10},
  "L":{"type":"list","member":{"shape":"T"},"max":3},
  "T":{"type":"structure","members":{"key":{"shape":"S"},"on":{"shape":"B"},"at":{"shape":"TS"}}},
  "M":{"type":"map","key":{"shape":"S"},"value":{"shape":"S"}},
  "B":{"type":"boolean"},"TS":{"type":"timestamp"}}})";

aws::AwsFrontend& Frontend() {
  static aws::AwsFrontend* fe = [] {
    auto* f = new aws::AwsFrontend(Lookup, [] { return kNow; });
    static EchoService ecs("AmazonEC2ContainerServiceV20141113", "ecs", "ecs");
    static EchoService logs("Logs_20140328", "logs", "logs");
    if (!f->Register(&ecs).ok()) {
      auto m = aws::ServiceModel::Parse(kFallbackModel);
      Check(m.ok() && f->Register(&ecs, *m).ok());
    }
    (void)f->Register(&logs);
    return f;
  }();
  return *fe;
}

}  // namespace

api::HttpRequest ParseRawRequest(std::string_view raw) {
  api::HttpRequest r;
  size_t eol = raw.find('\n');
  std::string_view line = raw.substr(0, eol);
  size_t sp = line.find(' ');
  r.method = std::string(line.substr(0, sp));
  r.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : raw.substr(eol + 1);
  while (!rest.empty()) {
    eol = rest.find('\n');
    std::string_view h = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (h.empty() || h == "\r") break;
    size_t colon = h.find(':');
    std::string name(h.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = colon == std::string_view::npos ? std::string_view() : h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r')) value.remove_suffix(1);
    r.headers[name] = std::string(value);
  }
  r.body = std::string(rest);
  size_t q = r.target.find('?');
  r.path = aws::PercentDecode(std::string_view(r.target).substr(0, q));
  if (q != std::string::npos) {
    std::string_view qs = std::string_view(r.target).substr(q + 1);
    while (true) {
      size_t amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        r.query.emplace(aws::PercentDecode(kv.substr(0, eq)),
                        eq == std::string_view::npos ? "" : aws::PercentDecode(kv.substr(eq + 1)));
      }
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
  }
  return r;
}

int SigV4Entry(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  api::HttpRequest req = ParseRawRequest(raw);

  (void)aws::HasSigV4(req);
  auto parsed = aws::ParseSigV4(req);
  if (auto* a = std::get_if<aws::SigV4Auth>(&parsed)) {
    (void)aws::CanonicalRequest(req, a->signed_headers, aws::HexSha256(req.body), a->presigned);
  }
  // Verify at the request's own date so the signature comparison itself is reached.
  int64_t now = aws::ParseAmzDate(req.Header("x-amz-date")).value_or(kNow);
  aws::SigV4Verifier verifier(Lookup, [now] { return now; });
  auto verified = verifier.Verify(req);
  if (auto* e = std::get_if<aws::AwsError>(&verified)) {
    Check(e->status == 400 || e->status == 403);
    Check(!e->type.empty() && !e->message.empty());
  }

  // Whatever the request, signing it with a known key makes it verify.
  api::HttpRequest signed_req = req;
  signed_req.headers.erase("x-amz-content-sha256");
  aws::SignRequest(signed_req, kAkid, kSecret, "local", "ecs", kNow);
  aws::SigV4Verifier at_now(Lookup, [] { return kNow; });
  auto ok = at_now.Verify(signed_req);
  Check(std::holds_alternative<aws::SigV4Identity>(ok));
  // ... and changing the body afterwards breaks it.
  signed_req.body += "x";
  Check(std::holds_alternative<aws::AwsError>(at_now.Verify(signed_req)));

  Check(aws::PercentDecode(aws::UriEncode(raw, false)) == raw);
  (void)aws::CanonicalUri(raw);
  (void)aws::CanonicalQuery(raw, true);
  return 0;
}

int JsonRequestEntry(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  size_t eol = raw.find('\n');
  api::HttpRequest req;
  req.method = "POST";
  req.target = "/";
  req.path = "/";
  req.headers["host"] = "127.0.0.1:7480";
  req.headers["content-type"] = "application/x-amz-json-1.1";
  req.headers["x-amz-target"] = std::string(raw.substr(0, eol));
  req.body = eol == std::string_view::npos ? std::string() : std::string(raw.substr(eol + 1));
  std::string target = req.headers["x-amz-target"];
  std::string service = target.rfind("Logs_", 0) == 0 ? "logs" : "ecs";
  aws::SignRequest(req, kAkid, kSecret, "local", service, kNow);

  api::HttpResponse r = Frontend().Handle(req);
  Check(r.status >= 200 && r.status <= 599);
  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  Check(!ec && body.is_object());
  if (r.status != 200) {
    const json::value* type = body.as_object().if_contains("__type");
    Check(type && type->is_string() && !type->as_string().empty());
    bool header = false;
    for (const auto& [k, v] : r.headers) header = header || (k == "X-Amzn-ErrorType" && v == type->as_string());
    Check(header);
  }
  return 0;
}

}  // namespace gantry::fuzz
