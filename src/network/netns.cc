#include "network/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/fd.h"
#include "common/file_util.h"
#include "network/veth.h"

namespace gantry::network {

namespace {

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 200 || s == "." || s == "..") return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.';
    if (!ok) return false;
  }
  return true;
}

// Makes the netns directory a shared mount (as `ip netns` does with /run/netns), so that an
// unmount here propagates to mount namespaces created in the meantime instead of leaving
// copies there that keep a deleted namespace alive.
Result<void> PrepareDir() {
  static std::mutex mu;
  static bool done = false;
  std::lock_guard lock(mu);
  if (done) return Ok();
  GANTRY_TRY(MakeDirs(kNetnsDir));
  if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL) return ErrnoError(std::string("make-shared ") + kNetnsDir, errno);
    // Not a mount point yet: bind it onto itself first.
    if (::mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) != 0)
      return ErrnoError(std::string("bind ") + kNetnsDir, errno);
    if (::mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) != 0)
      return ErrnoError(std::string("make-shared ") + kNetnsDir, errno);
  }
  done = true;
  return Ok();
}

Result<void> LoopbackUp() {
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return ErrnoError("socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) return ErrnoError("SIOCGIFFLAGS lo", errno);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) return ErrnoError("SIOCSIFFLAGS lo", errno);
  return Ok();
}

// Runs on a dedicated thread: unshare(CLONE_NEWNET) changes only the calling thread's
// namespace, and the thread ends right after, so no other thread ever runs in it.
Result<void> MakeNamespaceAt(const std::string& path) {
  if (::unshare(CLONE_NEWNET) != 0) return ErrnoError("unshare(CLONE_NEWNET)", errno);
  GANTRY_TRY(LoopbackUp());
  if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
    return ErrnoError("bind netns to " + path, errno);
  return Ok();
}

}  // namespace

Result<std::string> CreateNetns(const std::string& name) {
  if (!ValidName(name))
    return MakeError(ErrorCode::kInvalidArgument, "invalid netns name '{}'", name);
  GANTRY_TRY(PrepareDir());
  const std::string path = std::string(kNetnsDir) + "/" + name;
  Fd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!f.valid()) {
    if (errno == EEXIST) return MakeError(ErrorCode::kAlreadyExists, "netns {} exists", name);
    return ErrnoError("create " + path, errno);
  }
  f.Reset();
  Result<void> r = Ok();
  {
    std::lock_guard rtnl(RtnlMutex());  // see veth.h
    std::thread t([&] { r = MakeNamespaceAt(path); });
    t.join();
  }
  if (!r.ok()) {
    ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    return r.error();
  }
  return path;
}

Result<void> DeleteNetns(const std::string& name) {
  if (!ValidName(name))
    return MakeError(ErrorCode::kInvalidArgument, "invalid netns name '{}'", name);
  const std::string path = std::string(kNetnsDir) + "/" + name;
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return ErrnoError("umount " + path, errno);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("unlink " + path, errno);
  return Ok();
}

Result<std::string> AliasNetns(const std::string& existing, const std::string& alias) {
  if (!ValidName(existing) || !ValidName(alias))
    return MakeError(ErrorCode::kInvalidArgument, "invalid netns name '{}' or '{}'", existing,
                     alias);
  GANTRY_TRY(PrepareDir());
  const std::string from = std::string(kNetnsDir) + "/" + existing;
  const std::string path = std::string(kNetnsDir) + "/" + alias;
  Fd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!f.valid()) {
    if (errno == EEXIST) return MakeError(ErrorCode::kAlreadyExists, "netns {} exists", alias);
    return ErrnoError("create " + path, errno);
  }
  f.Reset();
  if (::mount(from.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    int e = errno;
    ::unlink(path.c_str());
    return ErrnoError("bind netns " + from + " to " + path, e);
  }
  return path;
}

bool NetnsMounted(const std::string& name) {
  if (!ValidName(name)) return false;
  const std::string path = std::string(kNetnsDir) + "/" + name;
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && st.f_type == NSFS_MAGIC;
}

std::vector<std::string> ListNetns() {
  std::vector<std::string> names;
  DIR* d = ::opendir(kNetnsDir);
  if (!d) return names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == ".." || n.ends_with(".tmp")) continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

}  // namespace gantry::network
