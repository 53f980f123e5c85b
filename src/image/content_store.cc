#include "image/content_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/ids.h"
#include "image/digest.h"

namespace gantry::image {

namespace {

Error Mismatch(std::string_view what, std::string_view want, std::string_view got) {
  return MakeError(ErrorCode::kInvalidArgument, "{}: digest mismatch (expected {}, content is {})",
                   what, want, got);
}

Result<void> WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write " + path, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Ok();
}

}  // namespace

ContentStore::ContentStore(std::string root)
    : blobs_dir_(root + "/blobs/sha256"), tmp_dir_(root + "/tmp") {}

Result<void> ContentStore::Init() {
  GANTRY_TRY(MakeDirs(blobs_dir_));
  GANTRY_TRY(MakeDirs(tmp_dir_));
  return Ok();
}

std::string ContentStore::BlobPath(std::string_view digest) const {
  return blobs_dir_ + "/" + DigestHex(digest);
}

bool ContentStore::Has(std::string_view digest) const {
  return IsSha256Digest(digest) && PathExists(BlobPath(digest));
}

Result<void> ContentStore::Ingest(const std::string& src, std::string_view digest,
                                  std::optional<int64_t> expected_size, std::string_view what,
                                  bool move) {
  GANTRY_TRY(ValidateDigest(digest, what));
  const std::string dst = BlobPath(digest);
  if (move) {
    GANTRY_ASSIGN_OR_RETURN(FileDigest got, Sha256File(src));
    if (got.digest != digest) return Mismatch(what, digest, got.digest);
    if (expected_size && *expected_size != got.size) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: size mismatch (descriptor says {}, blob is {})",
                       what, *expected_size, got.size);
    }
    // Same content under the same name: replacing an existing blob is harmless.
    if (::rename(src.c_str(), dst.c_str()) != 0) return ErrnoError("rename " + src, errno);
    return Ok();
  }

  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    if (errno == ENOENT) return MakeError(ErrorCode::kInvalidArgument, "{}: blob {} is missing", what, src);
    return ErrnoError("open " + src, errno);
  }
  // Even when the blob is already stored we read the source through, so a corrupt input is
  // reported rather than silently satisfied by an earlier import.
  const bool present = PathExists(dst);
  const std::string tmp = tmp_dir_ + "/blob-" + RandomHex(16);
  Fd out;
  if (!present) {
    out.Reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.valid()) return ErrnoError("create " + tmp, errno);
  }
  auto fail = [&](Error e) -> Result<void> {
    if (out.valid()) ::unlink(tmp.c_str());
    return e;
  };
  Sha256Hasher hasher;
  int64_t size = 0;
  std::array<char, 1 << 16> buf;
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrnoError("read " + src, errno));
    }
    if (n == 0) break;
    hasher.Update(buf.data(), static_cast<size_t>(n));
    size += n;
    if (out.valid()) {
      auto w = WriteAll(out.get(), buf.data(), static_cast<size_t>(n), tmp);
      if (!w.ok()) return fail(std::move(w).error());
    }
  }
  std::string got = hasher.Finish();
  if (got != digest) return fail(Mismatch(what, digest, got));
  if (expected_size && *expected_size != size) {
    return fail(MakeError(ErrorCode::kInvalidArgument,
                          "{}: size mismatch (descriptor says {}, blob is {})", what,
                          *expected_size, size));
  }
  if (!out.valid()) return Ok();
  if (::fsync(out.get()) != 0) return fail(ErrnoError("fsync " + tmp, errno));
  out.Reset();
  if (::rename(tmp.c_str(), dst.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("rename " + tmp, e);
  }
  return Ok();
}

Result<std::string> ContentStore::Put(std::string_view data,
                                      std::optional<std::string_view> expected_digest,
                                      std::string_view what) {
  std::string digest = Sha256Digest(data);
  if (expected_digest && *expected_digest != digest) return Mismatch(what, *expected_digest, digest);
  const std::string dst = BlobPath(digest);
  if (PathExists(dst)) return digest;
  const std::string tmp = tmp_dir_ + "/blob-" + RandomHex(16);
  {
    Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.valid()) return ErrnoError("create " + tmp, errno);
    auto w = WriteAll(out.get(), data.data(), data.size(), tmp);
    if (!w.ok()) {
      ::unlink(tmp.c_str());
      return std::move(w).error();
    }
  }
  if (::rename(tmp.c_str(), dst.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoError("rename " + tmp, e);
  }
  return digest;
}

Result<std::string> ContentStore::Read(std::string_view digest) const {
  GANTRY_TRY(ValidateDigest(digest, "blob"));
  auto r = ReadFile(BlobPath(digest));
  if (!r.ok() && r.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound, "blob {} is not in the content store", digest);
  }
  return r;
}

}  // namespace gantry::image
