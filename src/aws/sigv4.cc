#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <utility>

namespace gantry::aws {

namespace {

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

AwsError Incomplete(std::string msg) { return AwsError{400, "IncompleteSignatureException", msg}; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 0xf]);
  }
  return out;
}

std::string RawHmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// botocore's remove_dot_segments: drops empty and "." segments, resolves "..", keeps the leading
// and trailing slash.
std::string RemoveDotSegments(std::string_view path) {
  if (path.empty()) return "";
  std::vector<std::string_view> out;
  for (std::string_view seg : Split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else {
      out.push_back(seg);
    }
  }
  std::string r = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) r += '/';
    r += out[i];
  }
  if (path.back() == '/' && !out.empty()) r += '/';
  return r;
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

bool ParseCredential(std::string_view cred, SigV4Auth& a, std::string& err) {
  auto parts = Split(cred, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[1].empty() || parts[2].empty() ||
      parts[3].empty()) {
    err = "Credential should be scoped to a valid region, service and date: expected "
          "'<access key>/<YYYYMMDD>/<region>/<service>/aws4_request', got '" +
          std::string(cred) + "'.";
    return false;
  }
  if (parts[4] != "aws4_request") {
    err = "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
          std::string(parts[4]) + "'.";
    return false;
  }
  if (parts[1].size() != 8 ||
      !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    err = "Credential should be scoped to a valid date (YYYYMMDD), not '" + std::string(parts[1]) +
          "'.";
    return false;
  }
  a.access_key_id = parts[0];
  a.date = parts[1];
  a.region = parts[2];
  a.service = parts[3];
  return true;
}

std::vector<std::string> ParseSignedHeaders(std::string_view s) {
  std::vector<std::string> out;
  for (std::string_view h : Split(s, ';')) {
    h = Trim(h);
    if (!h.empty()) out.push_back(ToLower(h));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

AwsOutcome<SigV4Auth> ParseHeaderAuth(const std::string& header) {
  std::string_view h = Trim(header);
  size_t sp = h.find_first_of(" \t");
  std::string_view alg = h.substr(0, sp);
  if (alg != kSigV4Algorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + std::string(alg) +
                      "'. Authorization=" + std::string(h));
  }
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : h.substr(sp + 1);
  std::optional<std::string_view> cred, signed_headers, sig;
  for (std::string_view kv : Split(rest, ',')) {
    kv = Trim(kv);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + std::string(kv) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
                        std::string(h) + "'.");
    }
    std::string_view k = Trim(kv.substr(0, eq)), v = Trim(kv.substr(eq + 1));
    if (k == "Credential") cred = v;
    else if (k == "SignedHeaders") signed_headers = v;
    else if (k == "Signature") sig = v;
  }
  std::string missing;
  if (!cred) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!sig) missing += "Authorization header requires 'Signature' parameter. ";
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + std::string(h));
  SigV4Auth a;
  std::string err;
  if (!ParseCredential(*cred, a, err)) return Incomplete(err);
  a.signed_headers = ParseSignedHeaders(*signed_headers);
  a.signature = ToLower(*sig);
  return a;
}

AwsOutcome<SigV4Auth> ParseQueryAuth(const api::HttpRequest& req) {
  std::string missing;
  for (const char* p : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                        "X-Amz-SignedHeaders", "X-Amz-Date"}) {
    if (req.query.find(p) == req.query.end()) missing += std::string(" '") + p + "'";
  }
  if (!missing.empty()) {
    return Incomplete("AWS query-string parameters must include" + missing +
                      ". Re-examine the query-string parameters.");
  }
  if (req.Query("X-Amz-Algorithm") != kSigV4Algorithm) {
    return Incomplete("X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'");
  }
  SigV4Auth a;
  a.presigned = true;
  std::string err;
  if (!ParseCredential(req.Query("X-Amz-Credential"), a, err)) return Incomplete(err);
  a.signed_headers = ParseSignedHeaders(req.Query("X-Amz-SignedHeaders"));
  a.signature = ToLower(req.Query("X-Amz-Signature"));
  a.amz_date = req.Query("X-Amz-Date");
  std::string expires = req.Query("X-Amz-Expires");
  if (expires.empty()) expires = "900";  // AWS's default when a presigner leaves it out
  if (expires.size() > 7 || !std::all_of(expires.begin(), expires.end(),
                                         [](char c) { return c >= '0' && c <= '9'; })) {
    return Incomplete("X-Amz-Expires should be a number of seconds, not '" + expires + "'.");
  }
  a.expires_seconds = std::stoll(expires);
  if (a.expires_seconds > 604800) {
    return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  return a;
}

}  // namespace

std::string HexSha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return Hex(out, len);
}

std::string HexHmacSha256(std::string_view key, std::string_view data) {
  std::string raw = RawHmac(key, data);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string k = RawHmac("AWS4" + std::string(secret), date);
  k = RawHmac(k, region);
  k = RawHmac(k, service);
  return RawHmac(k, "aws4_request");
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  std::string p = RemoveDotSegments(raw_path);
  if (p.empty()) return "/";
  return UriEncode(p, /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::string_view kv : Split(raw_query, '&')) {
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    std::string k = UriEncode(PercentDecode(kv.substr(0, eq)), false);
    std::string v =
        eq == std::string_view::npos ? "" : UriEncode(PercentDecode(kv.substr(eq + 1)), false);
    if (presigned && k == "X-Amz-Signature") continue;
    pairs.emplace_back(std::move(k), std::move(v));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char ch : v) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(ch);
    }
  }
  return out;
}

std::string CanonicalRequest(const api::HttpRequest& req, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned) {
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  std::string cr;
  cr.reserve(256 + req.headers.size() * 48);
  cr += req.method;
  cr += '\n';
  cr += CanonicalUri(raw_path);
  cr += '\n';
  cr += CanonicalQuery(raw_query, presigned);
  cr += '\n';
  std::string list;
  for (const auto& h : signed_headers) {
    cr += h;
    cr += ':';
    cr += CanonicalHeaderValue(req.Header(h));
    cr += '\n';
    if (!list.empty()) list += ';';
    list += h;
  }
  cr += '\n';
  cr += list;
  cr += '\n';
  cr += payload_hash;
  return cr;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string s(kSigV4Algorithm);
  s += '\n';
  s += amz_date;
  s += '\n';
  s += scope;
  s += '\n';
  s += HexSha256(canonical_request);
  return s;
}

std::optional<int64_t> ParseAmzDate(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return std::nullopt;
  auto num = [&](size_t pos, size_t n) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (d[i] < '0' || d[i] > '9') return -1;
      v = v * 10 + (d[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), da = num(6, 2), h = num(9, 2), mi = num(11, 2), s = num(13, 2);
  if (y < 1970 || mo < 1 || mo > 12 || da < 1 || da > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = da;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatAmzDate(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

bool HasSigV4(const api::HttpRequest& req) {
  const std::string header = req.Header("authorization");
  if (Trim(header).substr(0, 5) == "AWS4-") return true;
  return req.query.find("X-Amz-Algorithm") != req.query.end();
}

AwsOutcome<SigV4Auth> ParseSigV4(const api::HttpRequest& req) {
  std::string auth = req.Header("authorization");
  if (!Trim(auth).empty()) {
    auto r = ParseHeaderAuth(auth);
    if (auto* a = std::get_if<SigV4Auth>(&r)) {
      a->amz_date = std::string(Trim(req.Header("x-amz-date")));
      if (a->amz_date.empty()) {
        return Incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header. Authorization=" +
            std::string(Trim(auth)));
      }
    }
    return r;
  }
  if (req.query.find("X-Amz-Algorithm") != req.query.end() ||
      req.query.find("X-Amz-Signature") != req.query.end()) {
    return ParseQueryAuth(req);
  }
  return AwsError{400, "MissingAuthenticationTokenException", "Missing Authentication Token"};
}

AwsOutcome<SigV4Identity> SigV4Verifier::Verify(const api::HttpRequest& req) const {
  auto parsed = ParseSigV4(req);
  if (auto* e = std::get_if<AwsError>(&parsed)) return *e;
  const SigV4Auth& a = std::get<SigV4Auth>(parsed);

  auto t = ParseAmzDate(a.amz_date);
  if (!t) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + a.amz_date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  if (a.amz_date.compare(0, 8, a.date) != 0) {
    return AwsError{403, "InvalidSignatureException",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                    "from HTTP: '" + a.date + "' != '" + a.amz_date.substr(0, 8) + "', from '" +
                        a.amz_date + "'."};
  }
  if (std::find(a.signed_headers.begin(), a.signed_headers.end(), "host") ==
      a.signed_headers.end()) {
    return Incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const int64_t now = now_seconds_();
  if (a.presigned) {
    if (now > *t + a.expires_seconds) {
      return AwsError{400, "InvalidSignatureException",
                      "Signature expired: " + FormatAmzDate(*t + a.expires_seconds) +
                          " is now earlier than " + FormatAmzDate(now) + "."};
    }
  } else if (*t < now - kMaxClockSkewSeconds) {
    return AwsError{400, "InvalidSignatureException",
                    "Signature expired: " + a.amz_date + " is now earlier than " +
                        FormatAmzDate(now - kMaxClockSkewSeconds) + " (" + FormatAmzDate(now) +
                        " - 15 min.)"};
  }
  if (*t > now + kMaxClockSkewSeconds) {
    return AwsError{400, "InvalidSignatureException",
                    "Signature not yet current: " + a.amz_date + " is still later than " +
                        FormatAmzDate(now + kMaxClockSkewSeconds) + " (" + FormatAmzDate(now) +
                        " + 15 min.)"};
  }

  std::optional<std::string> secret = lookup_(a.access_key_id);
  if (!secret) {
    return AwsError{400, "UnrecognizedClientException",
                    "The security token included in the request is invalid."};
  }

  // The payload hash is always that of the body we received: a client-supplied
  // x-amz-content-sha256 must agree with it, or a signature could be replayed over another body.
  std::string body_hash = req.body.empty() ? std::string(kEmptySha256) : HexSha256(req.body);
  std::string claimed = req.Header("x-amz-content-sha256");
  if (!claimed.empty() && !(IsHex64(claimed) && ToLower(claimed) == body_hash)) {
    return AwsError{400, "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed."};
  }

  std::string canonical = CanonicalRequest(req, a.signed_headers, body_hash, a.presigned);
  std::string sts = StringToSign(a.amz_date, a.Scope(), canonical);
  std::string expected =
      HexHmacSha256(DeriveSigningKey(*secret, a.date, a.region, a.service), sts);
  if (expected.size() != a.signature.size() ||
      CRYPTO_memcmp(expected.data(), a.signature.data(), expected.size()) != 0) {
    return AwsError{403, "InvalidSignatureException",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method. Consult the "
                    "service documentation for details.\n\nThe Canonical String for this request "
                    "should have been\n'" +
                        canonical + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"};
  }
  return SigV4Identity{a.access_key_id, a.region, a.service};
}

void SignRequest(api::HttpRequest& req, std::string_view access_key_id, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t epoch_seconds) {
  req.headers.erase("authorization");
  if (req.headers.find("host") == req.headers.end()) req.headers["host"] = "localhost";
  std::string amz_date = FormatAmzDate(epoch_seconds);
  req.headers["x-amz-date"] = amz_date;
  // Every header with a valid HTTP token name (std::map: already sorted).
  auto is_token = [](const std::string& n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
  };
  std::vector<std::string> names;
  for (const auto& [k, v] : req.headers) {
    if (is_token(k)) names.push_back(k);
  }
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  std::string canonical = CanonicalRequest(req, names, HexSha256(req.body), false);
  std::string sig = HexHmacSha256(DeriveSigningKey(secret, date, region, service),
                                  StringToSign(amz_date, scope, canonical));
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ";") + n;
  req.headers["authorization"] = std::string(kSigV4Algorithm) + " Credential=" +
                                 std::string(access_key_id) + "/" + scope +
                                 ", SignedHeaders=" + list + ", Signature=" + sig;
}

}  // namespace gantry::aws
