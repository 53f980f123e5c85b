#include "aws/key_store.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "common/file_util.h"

namespace gantry::aws {

namespace {

// Uniform characters from `alphabet` (rejection sampling over OpenSSL RAND bytes).
Result<std::string> RandomString(std::string_view alphabet, size_t n) {
  std::string out;
  const unsigned limit = 256 - (256 % alphabet.size());
  unsigned char buf[64];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) {
      return MakeError(ErrorCode::kInternal, "RAND_bytes failed generating an access key");
    }
    for (unsigned char b : buf) {
      if (b < limit && out.size() < n) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

std::string ToJson(const AccessKey& k) {
  boost::json::object o{{"id", k.id},           {"secret", k.secret}, {"user", k.user},
                        {"created", k.created}, {"status", k.status}};
  return boost::json::serialize(o);
}

Result<AccessKey> FromJson(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return MakeError(ErrorCode::kInternal, "access key record is not JSON");
  const auto& o = v.as_object();
  AccessKey k;
  auto str = [&](const char* name) -> std::string {
    auto* p = o.if_contains(name);
    return p && p->is_string() ? std::string(p->as_string()) : std::string();
  };
  k.id = str("id");
  k.secret = str("secret");
  k.user = str("user");
  k.status = str("status");
  if (auto* c = o.if_contains("created"); c && c->is_int64()) k.created = c->as_int64();
  return k;
}

}  // namespace

Result<AccessKey> KeyStore::Create(const std::string& user) {
  static constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  static constexpr std::string_view kSecretChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int attempt = 0; attempt < 5; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(std::string suffix, RandomString(kUpperAlnum, 16));
    GANTRY_ASSIGN_OR_RETURN(std::string secret, RandomString(kSecretChars, 40));
    AccessKey k{"AKIA" + suffix, secret, user, clock_.NowMs() / 1000, "Active"};
    auto r = store_.Put(kAccessKeyKind, k.id, ToJson(k), store::kMustNotExist);
    if (r.ok()) return k;
    if (r.error().code != ErrorCode::kAlreadyExists) return r.error();
  }
  return MakeError(ErrorCode::kInternal, "could not allocate a unique access key id");
}

Result<std::optional<AccessKey>> KeyStore::Get(const std::string& id) {
  GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kAccessKeyKind, id));
  if (!obj) return std::optional<AccessKey>();
  GANTRY_ASSIGN_OR_RETURN(AccessKey k, FromJson(obj->value));
  return std::optional<AccessKey>(std::move(k));
}

Result<std::vector<AccessKey>> KeyStore::List() {
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kAccessKeyKind));
  std::vector<AccessKey> out;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(AccessKey k, FromJson(o.value));
    out.push_back(std::move(k));
  }
  return out;
}

Result<void> KeyStore::SetStatus(const std::string& id, const std::string& status) {
  if (status != "Active" && status != "Inactive") {
    return MakeError(ErrorCode::kInvalidArgument, "access key status must be Active or Inactive");
  }
  GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kAccessKeyKind, id));
  if (!obj) return MakeError(ErrorCode::kNotFound, "access key {} not found", id);
  GANTRY_ASSIGN_OR_RETURN(AccessKey k, FromJson(obj->value));
  k.status = status;
  GANTRY_TRY(store_.Put(kAccessKeyKind, id, ToJson(k), obj->revision));
  return Ok();
}

std::optional<std::string> KeyStore::ActiveSecret(const std::string& id) {
  auto k = Get(id);
  if (!k.ok() || !*k || (*k)->status != "Active" || (*k)->secret.empty()) return std::nullopt;
  return (*k)->secret;
}

Result<std::optional<AccessKey>> KeyStore::EnsureAdminKey(const std::string& credentials_path) {
  GANTRY_ASSIGN_OR_RETURN(auto keys, List());
  for (const auto& k : keys) {
    if (k.user == "admin") return std::optional<AccessKey>();
  }
  GANTRY_ASSIGN_OR_RETURN(AccessKey k, Create("admin"));
  GANTRY_TRY(WriteFileAtomic(credentials_path, CredentialsFileText(k), /*sync=*/true));
  if (::chmod(credentials_path.c_str(), 0600) != 0) return ErrnoError("chmod " + credentials_path, errno);
  return std::optional<AccessKey>(std::move(k));
}

std::string CredentialsFileText(const AccessKey& key) {
  return "[default]\naws_access_key_id = " + key.id + "\naws_secret_access_key = " + key.secret +
         "\n";
}

}  // namespace gantry::aws
