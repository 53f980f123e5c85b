#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include "common/fd.h"

extern char** environ;

namespace gantry {

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

namespace {
Result<std::pair<Fd, Fd>> MakePipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  return std::pair<Fd, Fd>(Fd(p[0]), Fd(p[1]));
}
}  // namespace

Result<pid_t> Spawn(const SpawnOptions& opts) {
  if (opts.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty argv");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // Two rounds, so that a source fd that is also a target (say fds = {.., .., .., 4, 3}) is
  // copied before it is overwritten: first every source above all sources and targets, then
  // down into place; closefrom drops the copies.
  const int n = static_cast<int>(opts.fds.size());
  int base = n;
  for (int fd : opts.fds) base = std::max(base, fd + 1);
  for (int i = 0; i < n; ++i) posix_spawn_file_actions_adddup2(&fa, opts.fds[i], base + i);
  for (int i = 0; i < n; ++i) posix_spawn_file_actions_adddup2(&fa, base + i, i);
  posix_spawn_file_actions_addclosefrom_np(&fa, n);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (opts.new_session) flags |= POSIX_SPAWN_SETSID;
  if (opts.new_process_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);

  std::vector<char*> argv;
  for (const auto& a : opts.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (opts.env) {
    for (const auto& e : *opts.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
  }
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(),
                          opts.env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoError("spawn " + opts.argv[0], rc);
  return pid;
}

Result<ProcessResult> RunProcess(const ProcessOptions& opts) {
  if (opts.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty argv");
  GANTRY_ASSIGN_OR_RETURN(auto in_pipe, MakePipe());
  GANTRY_ASSIGN_OR_RETURN(auto out_pipe, MakePipe());
  GANTRY_ASSIGN_OR_RETURN(auto err_pipe, MakePipe());
  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));

  const int out_fd = opts.capture_stdout ? out_pipe.second.get()
                                         : (opts.stdout_fd >= 0 ? opts.stdout_fd : devnull.get());
  const int err_fd = opts.capture_stderr ? err_pipe.second.get()
                                         : (opts.stderr_fd >= 0 ? opts.stderr_fd : devnull.get());
  GANTRY_ASSIGN_OR_RETURN(pid_t pid,
                          Spawn({.argv = opts.argv,
                                 .env = opts.env,
                                 .fds = {in_pipe.first.get(), out_fd, err_fd}}));

  in_pipe.first.Reset();
  out_pipe.second.Reset();
  err_pipe.second.Reset();

  ProcessResult result;
  // Feed stdin and drain stdout/stderr together so neither side blocks.
  size_t in_off = 0;
  if (opts.stdin_data.empty()) in_pipe.second.Reset();
  else ::fcntl(in_pipe.second.get(), F_SETFL, O_NONBLOCK);
  ::signal(SIGPIPE, SIG_IGN);
  while (in_pipe.second.valid() || out_pipe.first.valid() || err_pipe.first.valid()) {
    pollfd fds[3];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1;
    if (in_pipe.second.valid()) { idx_in = n; fds[n++] = {in_pipe.second.get(), POLLOUT, 0}; }
    if (out_pipe.first.valid()) { idx_out = n; fds[n++] = {out_pipe.first.get(), POLLIN, 0}; }
    if (err_pipe.first.valid()) { idx_err = n; fds[n++] = {err_pipe.first.get(), POLLIN, 0}; }
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[16384];
    auto drain = [&](int idx, Fd& fd, std::string& sink) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = ::read(fd.get(), buf, sizeof buf);
      if (r > 0) sink.append(buf, static_cast<size_t>(r));
      else if (r == 0 || errno != EINTR) fd.Reset();
    };
    drain(idx_out, out_pipe.first, result.out);
    drain(idx_err, err_pipe.first, result.err);
    if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in_pipe.second.get(), opts.stdin_data.data() + in_off,
                          opts.stdin_data.size() - in_off);
      if (w > 0) in_off += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) in_pipe.second.Reset();
      if (in_off >= opts.stdin_data.size()) in_pipe.second.Reset();
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoError("waitpid " + opts.argv[0], errno);
  }
  result.exit_code = DecodeWaitStatus(status);
  return result;
}

}  // namespace gantry
