// KeyStore: AWS access keys (kind "accesskey" in the Store) and the admin key created on first
// start. SigV4 needs the secret itself to recompute signatures, so secrets are stored as given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/store.h"

namespace gantry::aws {

inline constexpr char kAccessKeyKind[] = "accesskey";

struct AccessKey {
  std::string id;      // "AKIA" + 16 upper-case letters/digits
  std::string secret;  // 40 characters
  std::string user;    // "admin"
  int64_t created = 0;  // epoch seconds
  std::string status = "Active";  // "Active" or "Inactive"
};

class KeyStore {
 public:
  KeyStore(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Creates and stores a new active key for `user`.
  Result<AccessKey> Create(const std::string& user);
  Result<std::optional<AccessKey>> Get(const std::string& id);
  Result<std::vector<AccessKey>> List();
  Result<void> SetStatus(const std::string& id, const std::string& status);
  // The secret of an active key; nullopt for unknown or inactive keys (and on store errors).
  std::optional<std::string> ActiveSecret(const std::string& id);

  // First start: when no key of user "admin" exists, creates one and writes `credentials_path`
  // (AWS credentials-file format, mode 0600). Returns the new key, or nullopt when one existed.
  Result<std::optional<AccessKey>> EnsureAdminKey(const std::string& credentials_path);

 private:
  store::Store& store_;
  const Clock& clock_;
};

// "[default]\naws_access_key_id = ...\naws_secret_access_key = ...\n"
std::string CredentialsFileText(const AccessKey& key);

}  // namespace gantry::aws
