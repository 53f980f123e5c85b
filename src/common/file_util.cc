#include "common/file_util.h"

#include <fcntl.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "common/fd.h"

namespace gantry {

Result<std::string> ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int e = errno;
    if (e == ENOENT) return MakeError(ErrorCode::kNotFound, "{}: no such file", path);
    return ErrnoError("open " + path, e);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<void> WriteFileAtomic(const std::string& path, std::string_view data, bool sync) {
  std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError("open " + tmp, errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write " + tmp, errno);
    }
    off += static_cast<size_t>(n);
  }
  if (sync && ::fsync(fd.get()) != 0) return ErrnoError("fsync " + tmp, errno);
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename " + tmp, errno);
  return Ok();
}

Result<void> MakeDirs(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "mkdir {}: {}", path, ec.message());
  (void)mode;
  return Ok();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

namespace {
Result<void> RemoveAt(int dirfd, const char* name, dev_t root_dev) {
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return ErrnoError(std::string("stat ") + name, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != root_dev) {
      return MakeError(ErrorCode::kInternal, "refusing to remove {}: it is a mount point", name);
    }
    int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoError(std::string("open ") + name, errno);
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return ErrnoError(std::string("fdopendir ") + name, errno);
    }
    Result<void> r = Ok();
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      auto rr = RemoveAt(::dirfd(d), e->d_name, root_dev);
      if (!rr.ok()) r = rr;
    }
    ::closedir(d);
    if (!r.ok()) return r;
    if (::unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
      return ErrnoError(std::string("rmdir ") + name, errno);
    return Ok();
  }
  if (::unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
    return ErrnoError(std::string("unlink ") + name, errno);
  return Ok();
}
}  // namespace

Result<void> RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return ErrnoError("stat " + path, errno);
  }
  return RemoveAt(AT_FDCWD, path.c_str(), st.st_dev);
}

}  // namespace gantry
