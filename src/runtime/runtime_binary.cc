#include "runtime/runtime_binary.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string_view>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/overlay_mount.h"

namespace gantry::runtime {

namespace {

Result<std::string> FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view rest = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return MakeError(ErrorCode::kNotFound, "{} is not in PATH", name);
}

// A mount of exactly `file` at `path` (a bind shows its source's device and inode).
bool IsMountOf(const std::string& path, const struct stat& file) {
  struct stat st {};
  return IsMountPoint(path) && ::stat(path.c_str(), &st) == 0 && st.st_ino == file.st_ino &&
         st.st_dev == file.st_dev;
}

bool ReadOnlyMount(const std::string& path) {
  struct statvfs vfs {};
  return ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

}  // namespace

Result<std::string> ReadOnlyRuntimeBinary(const std::string& binary, const std::string& dir) {
  if (binary.empty()) return MakeError(ErrorCode::kInvalidArgument, "no runtime binary");
  GANTRY_ASSIGN_OR_RETURN(std::string found, FindInPath(binary));
  char real[PATH_MAX];
  if (!::realpath(found.c_str(), real)) return ErrnoError("resolve " + found, errno);
  const std::string source = real;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return ErrnoError("stat " + source, errno);
  if (!S_ISREG(st.st_mode))
    return MakeError(ErrorCode::kInvalidArgument, "{} is not a regular file", source);

  const std::string target = dir + "/" + source.substr(source.rfind('/') + 1);
  if (IsMountOf(target, st) && ReadOnlyMount(target)) return target;  // from an earlier start
  // Whatever else is mounted there (an older binary, a writable bind) goes.
  for (int i = 0; i < 8 && IsMountPoint(target); ++i) {
    if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0)
      return ErrnoError("unmount " + target, errno);
  }
  GANTRY_TRY(MakeDirs(dir));
  {
    Fd f(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0755));
    if (!f.valid()) return ErrnoError("create " + target, errno);
  }
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return ErrnoError("bind " + source + " on " + target, errno);
  if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV,
              nullptr) != 0) {
    const int e = errno;
    (void)::umount2(target.c_str(), MNT_DETACH);
    return ErrnoError("make " + target + " read-only", e);
  }
  return target;
}

}  // namespace gantry::runtime
