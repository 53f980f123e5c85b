#include "runtime/shim_zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/overlay_mount.h"
#include "common/process.h"
#include "runtime/runtime.h"

extern char** environ;

namespace gantry::runtime {

namespace {

constexpr int kZygoteFd = 3;
constexpr int kShimNetnsFd = 4;  // a shim's task netns (GANTRY_SHIM_NETNS_FD)
constexpr size_t kTitleSpace = 1024;  // argv bytes a forked shim rewrites to name its task dir
constexpr size_t kMaxRequest = 4096;

// Sends data with `fds` attached (SCM_RIGHTS).
ssize_t SendWithFds(int sock, const void* data, size_t len, const int* fds, size_t nfds) {
  iovec iov{const_cast<void*>(data), len};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * nfds));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (nfds > 0) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  do {
    n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

// The forked shim's command line: "<argv[0]> shim <task_dir>" written over the zygote's
// arguments (which reserve kTitleSpace bytes), so ps and process scans see what it is.
void SetTitle(int argc, char** argv, const std::string& task_dir) {
  if (argc < 2) return;
  char* begin = argv[1];
  char* end = argv[argc - 1] + std::strlen(argv[argc - 1]);
  const size_t space = static_cast<size_t>(end - begin);
  std::string title = std::string("shim") + '\0' + task_dir;
  if (title.size() > space) title.resize(space);
  std::memset(begin, 0, space);
  std::memcpy(begin, title.data(), title.size());
}

std::vector<std::string> ZygoteArgv(const std::string& shim_binary,
                                    const std::vector<std::string>& hidden) {
  std::vector<std::string> argv{shim_binary, "zygote"};
  for (const auto& d : hidden) argv.insert(argv.end(), {"--hide", d});
  argv.emplace_back(kTitleSpace, '.');
  return argv;
}

// The template mount namespace: a recursive slave of the host's (nothing mounted in it or in
// the shims' copies propagates back), without the hidden mount points. Best effort: if it
// cannot be set up, each shim still unshares and detaches for itself.
void EnterTemplateNamespace(int argc, char** argv) {
  if (::unshare(CLONE_NEWNS) != 0) return;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--hide") != 0) continue;
    if (IsMountPoint(argv[i + 1])) (void)::umount2(argv[i + 1], MNT_DETACH);
    ++i;
  }
}

// In the forked child: the state a shim spawned by posix_spawn starts with, then the shim.
[[noreturn]] void RunShim(int argc, char** argv, const std::string& dir, int log_fd, int ready_fd,
                          int netns_fd, int devnull) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::setsid();
  // Every source fd is above the targets 0-4 (the zygote holds 0-3, its signalfd and /dev/null
  // come next, received fds after those), so no dup2 here overwrites a later one's source.
  if (::dup2(devnull, 0) < 0 || ::dup2(devnull, 1) < 0 || ::dup2(log_fd, 2) < 0 ||
      ::dup2(ready_fd, kZygoteFd) < 0)
    ::_exit(127);
  if (netns_fd >= 0) {
    if (::dup2(netns_fd, kShimNetnsFd) < 0) ::_exit(127);
    ::setenv("GANTRY_SHIM_NETNS_FD", "4", 1);
  } else {
    ::unsetenv("GANTRY_SHIM_NETNS_FD");
  }
  ::closefrom(netns_fd >= 0 ? kShimNetnsFd + 1 : kZygoteFd + 1);
  ::setenv("GANTRY_SHIM_READY_FD", "3", 1);
  SetTitle(argc, argv, dir);
  ::_exit(ShimMain(dir));
}

}  // namespace

Result<std::unique_ptr<ShimZygote>> ShimZygote::Start(const std::string& shim_binary,
                                                      const std::vector<std::string>& hidden) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return ErrnoError("socketpair", errno);
  Fd mine(sv[0]), theirs(sv[1]);
  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull.valid()) return ErrnoError("open /dev/null", errno);

  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (!std::string_view(*e).starts_with("GANTRY_SHIM_READY_FD=")) env.emplace_back(*e);
  GANTRY_ASSIGN_OR_RETURN(
      pid_t pid,
      ::gantry::Spawn({.argv = ZygoteArgv(shim_binary, hidden),
             .env = std::move(env),
             .fds = {devnull.get(), devnull.get(), devnull.get(), theirs.get()},
             .new_session = true}));
  return std::unique_ptr<ShimZygote>(new ShimZygote(pid, std::move(mine)));
}

ShimZygote::~ShimZygote() {
  sock_.Reset();  // EOF: the zygote exits; the shims it forked are reparented and carry on
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
}

Result<pid_t> ShimZygote::Spawn(const std::string& task_dir, int log_fd, int ready_fd,
                                int netns_fd) {
  if (task_dir.empty() || task_dir.size() >= kMaxRequest)
    return MakeError(ErrorCode::kInvalidArgument, "shim zygote: bad task dir '{}'", task_dir);
  std::lock_guard lock(mu_);
  const int fds[3] = {log_fd, ready_fd, netns_fd};
  if (SendWithFds(sock_.get(), task_dir.data(), task_dir.size(), fds, netns_fd >= 0 ? 3 : 2) < 0)
    return ErrnoError("shim zygote: send", errno);
  int32_t reply = 0;
  ssize_t n;
  do {
    n = ::recv(sock_.get(), &reply, sizeof reply, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof reply))
    return MakeError(ErrorCode::kUnavailable, "shim zygote: no reply ({})",
                     n < 0 ? std::strerror(errno) : "closed");
  if (reply <= 0) return ErrnoError("shim zygote: fork", -reply);
  return static_cast<pid_t>(reply);
}

int ShimZygoteMain(int argc, char** argv) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sfd = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (sfd < 0 || devnull < 0) return 1;
  ::fcntl(kZygoteFd, F_SETFD, FD_CLOEXEC);
  EnterTemplateNamespace(argc, argv);
  for (;;) {
    pollfd p[2] = {{kZygoteFd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p[1].revents) {
      signalfd_siginfo si;
      while (::read(sfd, &si, sizeof si) == sizeof si) {
      }
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    }
    if (!p[0].revents) continue;
    char buf[kMaxRequest];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 3)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(kZygoteFd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;  // the runtime closed its end (or went away): done
    std::vector<int> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        fds.push_back(fd);
      }
    }
    int32_t reply = -EINVAL;
    if ((fds.size() == 2 || fds.size() == 3) && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
      const std::string dir(buf, static_cast<size_t>(n));
      pid_t pid = ::fork();
      if (pid == 0)
        RunShim(argc, argv, dir, fds[0], fds[1], fds.size() == 3 ? fds[2] : -1, devnull);
      reply = pid > 0 ? pid : -errno;
    }
    for (int fd : fds) ::close(fd);
    (void)::send(kZygoteFd, &reply, sizeof reply, MSG_NOSIGNAL);
  }
}

}  // namespace gantry::runtime
