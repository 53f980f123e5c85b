#include "runtime/container_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/process.h"


namespace gantry::runtime {

namespace {

struct ProcStat {
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
};

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  auto text = ReadFile(fmt::format("/proc/{}/stat", pid));
  if (!text.ok()) return std::nullopt;
  const size_t rp = text->rfind(')');  // comm may hold spaces and parentheses
  if (rp == std::string::npos || rp + 2 > text->size()) return std::nullopt;
  std::istringstream in(text->substr(rp + 2));
  char state = 0;
  long ppid = 0, pgrp = 0, session = 0;
  in >> state >> ppid >> pgrp >> session;
  if (!in) return std::nullopt;
  return ProcStat{static_cast<pid_t>(ppid), static_cast<pid_t>(pgrp), static_cast<pid_t>(session)};
}

// Kills the command run in the container, then the runtime's exec process `exec_pid` (our
// unreaped child, so its pid and process group cannot have been reused) and its group.
void KillExec(pid_t exec_pid, const std::string& pid_file) {
  if (auto text = ReadFile(pid_file); text.ok()) {
    const pid_t cpid = static_cast<pid_t>(std::atol(text->c_str()));
    if (cpid > 0) {
      // Pinned by a pidfd and identified as the exec process's child: while its parent lives it
      // cannot be reaped, so the pid is still the command's.
      Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, cpid, 0)));
      auto st = ReadProcStat(cpid);
      if (pidfd.valid() && st && st->ppid == exec_pid) {
        // Runtimes start the command in a session of its own (runc: led by the command; crun: by
        // a helper that already exited). That group holds what the command forked; its id
        // cannot be reused while the command, a member, lives.
        if (st->session == st->pgrp && st->pgrp > 1 && st->pgrp != ::getpgrp())
          ::kill(-st->pgrp, SIGKILL);
        ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
      }
    }
  }
  ::kill(-exec_pid, SIGKILL);
}

}  // namespace

Result<ExecResult> RunContainerExec(const std::vector<std::string>& runtime_cmd,
                                    const std::string& container_id,
                                    const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout,
                                    const std::string& pid_file) {
  if (argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "exec: empty command");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  Fd out_r(p[0]), out_w(p[1]);
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devnull.valid()) return ErrnoError("open /dev/null", errno);

  std::vector<std::string> args = runtime_cmd;
  args.insert(args.end(), {"exec", "--pid-file", pid_file, container_id});
  args.insert(args.end(), argv.begin(), argv.end());
  // Its own process group, so a timeout kills the runtime and whatever stayed in its group.
  GANTRY_ASSIGN_OR_RETURN(pid_t pid, Spawn({.argv = std::move(args),
                                            .fds = {devnull.get(), out_w.get(), out_w.get()},
                                            .new_process_group = true}));
  out_w.Reset();
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  // Wakes the loop when the exec process exits even if a background child keeps the pipe open.
  Fd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  ExecResult result;
  auto read_available = [&] {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(out_r.get(), buf, sizeof buf);
      if (n > 0) {
        const size_t room = kMaxExecOutput - std::min(kMaxExecOutput, result.output.size());
        result.output.append(buf, std::min(room, static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || errno != EAGAIN) out_r.Reset();  // EOF or a broken pipe
      return;
    }
  };

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool reaped = false;
  int poll_errno = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      reaped = true;
      break;
    }
    if (w < 0 && errno != EINTR) {  // reaped by someone else (ECHILD): the status is lost
      reaped = true;
      status = -1;
      break;
    }
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
            .count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (out_r.valid()) fds[n++] = {out_r.get(), POLLIN, 0};
    if (exit_fd.valid()) fds[n++] = {exit_fd.get(), POLLIN, 0};
    // Without a pidfd (old kernel), check for the exit every 20 ms.
    const int wait_ms =
        exit_fd.valid() ? static_cast<int>(left) : static_cast<int>(std::min<long>(left, 20));
    if (::poll(fds, n, wait_ms) < 0 && errno != EINTR) {
      poll_errno = errno;
      break;
    }
    if (out_r.valid()) read_available();
  }
  if (result.timed_out || poll_errno != 0) KillExec(pid, pid_file);
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (poll_errno != 0) return ErrnoError("poll exec " + container_id, poll_errno);
  if (out_r.valid()) read_available();
  result.exit_code = result.timed_out || status == -1 ? -1 : DecodeWaitStatus(status);
  return result;
}

}  // namespace gantry::runtime
