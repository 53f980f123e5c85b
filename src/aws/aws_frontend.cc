#include "aws/aws_frontend.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <exception>

#include "aws/key_store.h"
#include "common/ids.h"

namespace gantry::aws {

namespace json = boost::json;

namespace {

constexpr char kDefaultContentType[] = "application/x-amz-json-1.1";

// Error messages echo client bytes (targets, Authorization headers, canonical strings); the reply
// must stay valid JSON, so invalid UTF-8 sequences become U+FFFD.
std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      ok = !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) && !(n == 4 && cp < 0x10000) &&
           cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

}  // namespace

AwsFrontend::AwsFrontend(SecretLookup secrets, std::function<int64_t()> now_seconds,
                         AwsFrontendOptions options)
    : verifier_(std::move(secrets), std::move(now_seconds)), options_(std::move(options)) {}

AwsFrontend::AwsFrontend(KeyStore& keys, const Clock& clock, AwsFrontendOptions options)
    : AwsFrontend([&keys](const std::string& id) { return keys.ActiveSecret(id); },
                  [&clock]() { return clock.NowMs() / 1000; }, std::move(options)) {}

Result<void> AwsFrontend::Register(AwsService* service) {
  GANTRY_ASSIGN_OR_RETURN(auto model, ServiceModel::Load(service->ModelName(), options_.model_roots));
  return Register(service, std::move(model));
}

Result<void> AwsFrontend::Register(std::unique_ptr<AwsService> service) {
  GANTRY_TRY(Register(service.get()));
  owned_.push_back(std::move(service));
  return Ok();
}

Result<void> AwsFrontend::Register(AwsService* service, std::shared_ptr<const ServiceModel> model) {
  std::string prefix = service->TargetPrefix();
  if (prefix.empty()) return MakeError(ErrorCode::kInvalidArgument, "AWS service without a target prefix");
  if (by_prefix_.count(prefix)) {
    return MakeError(ErrorCode::kAlreadyExists, "AWS target prefix {} registered twice", prefix);
  }
  if (model->protocol() != "json") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS service {}: model {} uses protocol '{}', the frontend serves 'json'", prefix,
                     model->source(), model->protocol());
  }
  if (!model->target_prefix().empty() && model->target_prefix() != prefix) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS service {}: model {} has target prefix {}", prefix, model->source(),
                     model->target_prefix());
  }
  Entry e;
  e.service = service;
  e.signing_name = service->SigningName().empty() ? model->signing_name() : service->SigningName();
  e.content_type = "application/x-amz-json-" + model->json_version();
  e.model = std::move(model);
  by_prefix_.emplace(prefix, std::move(e));
  return Ok();
}

bool AwsFrontend::Handles(const api::HttpRequest& req) const {
  return !req.Header("x-amz-target").empty() || HasSigV4(req);
}

api::HttpResponse AwsFrontend::Error(const Entry* entry, const AwsError& e,
                                     const std::string& request_id,
                                     const std::string& operation) const {
  api::HttpResponse r;
  r.status = e.status >= 400 && e.status <= 599 ? e.status : 500;
  r.content_type = entry ? entry->content_type : kDefaultContentType;
  std::string key = entry ? entry->model->ErrorMessageKey(e.type) : "message";
  json::object body{{"__type", ValidUtf8(e.type)}, {key, ValidUtf8(e.message)}};
  r.body = json::serialize(body);
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  r.headers.emplace_back("X-Amzn-ErrorType", ValidUtf8(e.type));
  spdlog::debug("aws {} {}: {} {} {}", request_id, operation.empty() ? "-" : operation, r.status,
                e.type, e.message.substr(0, e.message.find('\n')));
  return r;
}

api::HttpResponse AwsFrontend::Handle(const api::HttpRequest& req) {
  const std::string request_id = RandomUuid();
  const std::string target = req.Header("x-amz-target");
  const size_t dot = target.rfind('.');
  const std::string prefix = dot == std::string::npos ? target : target.substr(0, dot);
  const std::string operation = dot == std::string::npos ? std::string() : target.substr(dot + 1);
  auto it = by_prefix_.find(prefix);
  const Entry* entry = it == by_prefix_.end() ? nullptr : &it->second;

  // Authentication comes first: an unsigned request learns nothing and changes nothing.
  auto identity = verifier_.Verify(req);
  if (auto* e = std::get_if<AwsError>(&identity)) return Error(entry, *e, request_id, operation);
  const SigV4Identity& who = std::get<SigV4Identity>(identity);

  if (target.empty()) {
    return Error(nullptr, {400, "UnknownOperationException", "Missing X-Amz-Target header"},
                 request_id, operation);
  }
  if (!entry || operation.empty()) {
    return Error(nullptr,
                 {400, "UnknownOperationException",
                  "Operation " + target + " is not supported by this server."},
                 request_id, operation);
  }
  if (who.service != entry->signing_name) {
    return Error(entry,
                 {400, "InvalidSignatureException",
                  "Credential should be scoped to correct service: '" + entry->signing_name + "'. "},
                 request_id, operation);
  }
  if (req.method != "POST") {
    return Error(entry,
                 {400, "UnknownOperationException",
                  "AWS JSON protocol requests are POST; got " + req.method},
                 request_id, operation);
  }
  if (!entry->model->HasOperation(operation)) {
    return Error(entry,
                 {400, "UnknownOperationException",
                  "Operation " + operation + " is not supported by this service."},
                 request_id, operation);
  }

  json::value input;
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    input = json::object();
  } else {
    boost::system::error_code ec;
    input = json::parse(req.body, ec);
    if (ec) {
      return Error(entry,
                   {400, "SerializationException", "Malformed JSON request body: " + ec.message()},
                   request_id, operation);
    }
  }
  if (auto err = entry->model->ValidateInput(operation, input)) {
    return Error(entry, *err, request_id, operation);
  }

  AwsCall call{operation, who.region, who.access_key_id, std::move(input.as_object())};
  AwsResult result;
  try {
    result = entry->service->Call(call);
  } catch (const std::exception& ex) {
    spdlog::error("aws {} {}: adapter threw: {}", request_id, target, ex.what());
    result = AwsError{500, "InternalFailure",
                      "The request processing has failed because of an unknown error, exception "
                      "or failure."};
  }
  if (auto* e = std::get_if<AwsError>(&result)) return Error(entry, *e, request_id, operation);

  api::HttpResponse r;
  r.status = 200;
  r.content_type = entry->content_type;
  r.body = json::serialize(std::get<json::object>(result));
  r.headers.emplace_back("x-amzn-RequestId", request_id);
  return r;
}

}  // namespace gantry::aws
