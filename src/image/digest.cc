#include "image/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>

#include "common/fd.h"

namespace gantry::image {

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  // Allocation failure or a missing sha256 is not recoverable and not caller input.
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) std::abort();
}

void Sha256Hasher::Update(const void* data, size_t size) {
  if (size != 0) EVP_DigestUpdate(ctx_.get(), data, size);
}

std::string Sha256Hasher::Finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kSha256Prefix);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

std::string Sha256Digest(std::string_view data) {
  Sha256Hasher h;
  h.Update(data);
  return h.Finish();
}

Result<FileDigest> Sha256File(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "{}: no such file", path);
    return ErrnoError("open " + path, errno);
  }
  Sha256Hasher h;
  FileDigest out;
  std::array<char, 1 << 16> buf;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read " + path, errno);
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
    out.size += n;
  }
  out.digest = h.Finish();
  return out;
}

bool IsSha256Digest(std::string_view digest) {
  if (digest.size() != kSha256Prefix.size() + 64 || !digest.starts_with(kSha256Prefix)) return false;
  for (char c : digest.substr(kSha256Prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<void> ValidateDigest(std::string_view digest, std::string_view what) {
  if (!IsSha256Digest(digest)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "{}: unsupported or malformed digest '{}' (want sha256:<64 hex>)", what,
                     digest);
  }
  return Ok();
}

std::string DigestHex(std::string_view digest) {
  return std::string(digest.substr(kSha256Prefix.size()));
}

}  // namespace gantry::image
