// Content digests: streaming sha256 over OpenSSL EVP and "sha256:<hex>" string validation.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::image {

inline constexpr std::string_view kSha256Prefix = "sha256:";

// Incremental sha256; one EVP_MD_CTX owned for the object's lifetime.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // Returns "sha256:<64 lowercase hex>"; the hasher must not be used afterwards.
  std::string Finish();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

std::string Sha256Digest(std::string_view data);

// Hashes a whole file; also reports its size.
struct FileDigest {
  std::string digest;
  int64_t size = 0;
};
Result<FileDigest> Sha256File(const std::string& path);

// True for "sha256:" followed by exactly 64 lowercase hex characters.
bool IsSha256Digest(std::string_view digest);
// Checks IsSha256Digest; kInvalidArgument naming `what` otherwise.
Result<void> ValidateDigest(std::string_view digest, std::string_view what);
// The hex part of a valid digest.
std::string DigestHex(std::string_view digest);

}  // namespace gantry::image
