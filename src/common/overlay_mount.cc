#include "common/overlay_mount.h"

#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "common/private_fs_thread.h"

namespace gantry {

namespace {

size_t MountDataLimit() {
  long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<size_t>(page > 0 ? page : 4096) - 1;  // room for the NUL
}

std::string Options(const std::vector<std::string>& lowers, const std::string& upper,
                    const std::string& work) {
  std::string o = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); ++i) {
    if (i) o.push_back(':');
    o += lowers[i];
  }
  o += ",upperdir=" + upper + ",workdir=" + work;
  return o;
}

Result<void> CheckOptionPath(const std::string& p) {
  // overlayfs splits its options on ',' and lowerdir on ':'.
  if (p.find_first_of(",:") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "overlay path '{}' contains ',' or ':', which overlayfs cannot take", p);
  }
  return Ok();
}

Result<void> DoMount(const std::string& target, const std::string& options) {
  if (::mount("overlay", target.c_str(), "overlay", 0, options.c_str()) != 0) {
    return ErrnoError(fmt::format("mount overlay on {} ({})", target, options), errno);
  }
  return Ok();
}

}  // namespace

bool IsMountPoint(const std::string& path) {
  // statx knows (since 5.8), which also catches a directory bound onto itself and a bound file.
  struct statx sx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx) == 0 &&
      (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
    return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
  }
  struct stat st, parent;  // older kernels: directories only
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  if (::lstat((path + "/..").c_str(), &parent) != 0) return false;
  return st.st_dev != parent.st_dev || st.st_ino == parent.st_ino;
}

Result<void> MountOverlay(const std::vector<std::string>& lower_top_first, const std::string& dir) {
  if (lower_top_first.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "overlay on {}: no layers", dir);
  }
  const std::string rootfs = dir + "/rootfs";
  const std::string upper = dir + "/upper";
  const std::string work = dir + "/work";
  for (const auto& p : {rootfs, upper, work}) {
    GANTRY_TRY(CheckOptionPath(p));
    GANTRY_TRY(MakeDirs(p));
  }
  for (const auto& p : lower_top_first) GANTRY_TRY(CheckOptionPath(p));
  if (IsMountPoint(rootfs)) {
    return MakeError(ErrorCode::kFailedPrecondition, "{} is already mounted", rootfs);
  }

  std::string options = Options(lower_top_first, upper, work);
  if (options.size() <= MountDataLimit()) return DoMount(rootfs, options);

  // Too long for one page: short symlinks and paths relative to `dir`.
  const std::string links = dir + "/l";
  GANTRY_TRY(MakeDirs(links));
  std::vector<std::string> short_lowers;
  for (size_t i = 0; i < lower_top_first.size(); ++i) {
    std::string name = std::to_string(i);
    std::string link = links + "/" + name;
    ::unlink(link.c_str());
    if (::symlink(lower_top_first[i].c_str(), link.c_str()) != 0) {
      return ErrnoError("symlink " + link, errno);
    }
    short_lowers.push_back("l/" + name);
  }
  options = Options(short_lowers, "upper", "work");
  if (options.size() > MountDataLimit()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "overlay on {}: {} layers need {} bytes of mount options even with short "
                     "paths (limit {})",
                     dir, lower_top_first.size(), options.size(), MountDataLimit());
  }
  return RunInDirectory(dir, /*zero_umask=*/false, [&] { return DoMount("rootfs", options); });
}

Result<void> UnmountAll(const std::string& mountpoint) {
  for (int i = 0; i < 16; ++i) {
    if (::umount2(mountpoint.c_str(), UMOUNT_NOFOLLOW) == 0) continue;  // maybe stacked
    int e = errno;
    if (e == EINVAL || e == ENOENT) return Ok();  // not (or no longer) a mount point
    if (e == EBUSY) {
      spdlog::warn("{} is busy; detaching lazily", mountpoint);
      if (::umount2(mountpoint.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
      e = errno;
      if (e == EINVAL || e == ENOENT) return Ok();
    }
    return ErrnoError("umount " + mountpoint, e);
  }
  return MakeError(ErrorCode::kInternal, "umount {}: still mounted after 16 attempts", mountpoint);
}

}  // namespace gantry
