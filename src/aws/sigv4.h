// SigV4: verification of AWS Signature Version 4 requests (Authorization header and presigned
// query forms) against a secret lookup, plus the signer the tests and benchmarks use. Canonical
// request rules are those of the non-S3 services (double-encoded, dot-segment-normalized path).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "aws/aws_service.h"

namespace gantry::aws {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
// Requests dated further than this from the server's clock are rejected ("Signature expired").
inline constexpr int64_t kMaxClockSkewSeconds = 15 * 60;

// The parts of a SigV4 signature as the client sent them (header or query form).
struct SigV4Auth {
  std::string access_key_id;
  std::string date;     // YYYYMMDD from the credential scope
  std::string region;   // "us-east-1", "local", ...
  std::string service;  // "ecs", "logs", ...
  std::vector<std::string> signed_headers;  // lower-case, as listed
  std::string signature;                    // lower-case hex
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ
  bool presigned = false;                   // query-string auth (X-Amz-Signature)
  int64_t expires_seconds = 0;              // X-Amz-Expires, presigned only

  std::string Scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// Who signed a verified request.
struct SigV4Identity {
  std::string access_key_id;
  std::string region;
  std::string service;
};

template <typename T>
using AwsOutcome = std::variant<T, AwsError>;

// True when the request carries SigV4 material (an AWS4 Authorization header or X-Amz-Algorithm).
bool HasSigV4(const api::HttpRequest& req);

// Parses the Authorization header or the presigned query parameters. Errors are AWS's:
// MissingAuthenticationTokenException, IncompleteSignatureException.
AwsOutcome<SigV4Auth> ParseSigV4(const api::HttpRequest& req);

// Canonicalization pieces (exposed for tests and fuzzing).
std::string UriEncode(std::string_view s, bool keep_slash);
// Percent-decodes; '+' stays '+'. Malformed escapes are kept literally.
std::string PercentDecode(std::string_view s);
std::string CanonicalUri(std::string_view raw_path);
// `raw_query` is the part after '?', still percent-encoded. Each name and value is decoded and
// re-encoded strictly, pairs sorted. For presigned requests X-Amz-Signature is left out.
std::string CanonicalQuery(std::string_view raw_query, bool presigned);
std::string CanonicalHeaderValue(std::string_view v);
// `signed_headers` lower-case and sorted.
std::string CanonicalRequest(const api::HttpRequest& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// kSecret = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service);
std::string HexHmacSha256(std::string_view key, std::string_view data);
std::string HexSha256(std::string_view data);
// "20150830T123600Z" -> seconds since the epoch; nullopt when malformed.
std::optional<int64_t> ParseAmzDate(std::string_view amz_date);
std::string FormatAmzDate(int64_t epoch_seconds);

// Returns the secret of an active access key, or nullopt when the key is unknown or inactive.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key_id)>;

class SigV4Verifier {
 public:
  // `now_seconds` returns the current time (injected for tests).
  SigV4Verifier(SecretLookup lookup, std::function<int64_t()> now_seconds)
      : lookup_(std::move(lookup)), now_seconds_(std::move(now_seconds)) {}

  // Verifies the request's signature. Errors (AWS's types and messages):
  //  400 MissingAuthenticationTokenException, 400 IncompleteSignatureException,
  //  400 UnrecognizedClientException (unknown key), 403 InvalidSignatureException (mismatch),
  //  400 InvalidSignatureException "Signature expired: ..." (clock skew / presign expiry).
  AwsOutcome<SigV4Identity> Verify(const api::HttpRequest& req) const;

 private:
  SecretLookup lookup_;
  std::function<int64_t()> now_seconds_;
};

// Signs `req` in place with the Authorization-header form (adds host if missing, X-Amz-Date and
// Authorization; signs every header present). For tests, benchmarks and internal clients.
void SignRequest(api::HttpRequest& req, std::string_view access_key_id, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t epoch_seconds);

}  // namespace gantry::aws
