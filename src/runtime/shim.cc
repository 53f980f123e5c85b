// The per-task shim (`gantry shim <task_dir>`): a child subreaper that starts the task's
// containers with `<runtime> run --detach`, owns their stdout/stderr pipes (timestamped log
// files), reaps them, records exit codes and OOM kills, enforces essential-container and stop
// semantics, and exits once every container has exited and been deleted.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <boost/json.hpp>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/overlay_mount.h"
#include "common/process.h"
#include "runtime/container_log.h"
#include "runtime/oci_spec.h"
#include "runtime/runtime.h"
#include "runtime/task_cgroup.h"
#include "runtime/task_state.h"


namespace gantry::runtime {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kOomReason = "OutOfMemoryError: Container killed due to memory usage";

// An fd inherited from whoever spawned the shim, named by the environment variable `name`
// (then removed from the environment); close-on-exec from now on. Invalid when absent.
Fd TakeFdFromEnv(const char* name) {
  Fd out;
  if (const char* s = std::getenv(name)) {
    int fd = -1;
    std::from_chars(s, s + std::strlen(s), fd);
    if (fd > 2 && ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0) out.Reset(fd);
    ::unsetenv(name);
  }
  return out;
}

void Log(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%lld shim[%d]: %s%s\n", static_cast<long long>(NowMs()), ::getpid(),
               what, detail.c_str());
}

struct Stream {
  Fd fd;  // read end, non-blocking; invalid after EOF
  LineSplitter splitter;
  explicit Stream(bool is_stderr) : splitter(is_stderr) {}
};

struct Container {
  ContainerSpec spec;
  std::string id;
  Fd log;
  Stream out{false};
  Stream err{true};
  pid_t runtime_pid = -1;  // `<runtime> run -d` while starting
  pid_t pid = -1;          // container init
  ContainerRecord rec;
  bool stop_sent = false;
  bool kill_sent = false;
  SteadyTime kill_at{};
};

class Shim {
 public:
  explicit Shim(std::string dir) : dir_(std::move(dir)) {}
  int Run();

 private:
  Result<void> Setup();
  Result<void> EnterMountNamespace();
  Result<void> WriteBundles();
  Result<void> StartContainers();
  Result<void> SpawnRuntime(Container& c);
  void AbortStart(const std::string& error);
  void Ready(std::string_view msg);
  void Loop();
  void ReadStream(Container& c, Stream& s, bool drain);
  void Reap();
  void OnExit(Container& c, int code);
  void StopContainer(Container& c);
  void StopAll(const std::string& reason);
  void ArmTimer();
  void OnTimer();
  void WriteRecord(Container& c);
  void DeleteContainer(Container& c);
  bool AllExited() const;

  std::string dir_;
  ShimConfig cfg_;
  std::vector<Container> containers_;
  Fd ready_;
  Fd sigfd_;
  Fd timerfd_;
  Fd devnull_;
  bool stopping_ = false;
  std::string stop_reason_;
  bool config_loaded_ = false;
  std::string netns_;  // the task's netns as the containers join it (see EnterMountNamespace)
  Fd netns_fd_;        // the task's netns, inherited from the runtime
};

int Shim::Run() {
  const int64_t t0 = NowMs();
  if (auto r = Setup(); !r.ok()) {
    Log("setup failed: ", r.error().message);
    AbortStart(r.error().message);
    return 1;
  }
  const int64_t t1 = NowMs();
  if (auto r = StartContainers(); !r.ok()) {
    Log("start failed: ", r.error().message);
    AbortStart(r.error().message);
    return 1;
  }
  Log("started: ", fmt::format("run at {}, setup {} ms, {} run {} ms", t0, t1 - t0,
                               cfg_.runtime_binary, NowMs() - t1));
  Ready("ok");
  Loop();
  (void)WriteFileAtomic(task_paths::ShimDone(dir_), std::to_string(NowMs()) + "\n");
  return 0;
}

Result<void> Shim::Setup() {
  // The agent passes the readiness pipe's write end (and the task's netns) as inherited fds and
  // names them in the environment.
  ready_ = TakeFdFromEnv("GANTRY_SHIM_READY_FD");
  netns_fd_ = TakeFdFromEnv("GANTRY_SHIM_NETNS_FD");
  // Orphaned container inits (after `run -d` exits) are reparented to us.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return ErrnoError("PR_SET_CHILD_SUBREAPER", errno);
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return ErrnoError("sigprocmask", errno);
  sigfd_.Reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigfd_.valid()) return ErrnoError("signalfd", errno);
  timerfd_.Reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!timerfd_.valid()) return ErrnoError("timerfd_create", errno);
  devnull_.Reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull_.valid()) return ErrnoError("open /dev/null", errno);

  GANTRY_ASSIGN_OR_RETURN(ProcessIdentity self, IdentifyProcess(::getpid()));
  GANTRY_TRY(WriteFileAtomic(task_paths::ShimPid(dir_), SerializeIdentity(self)));
  GANTRY_ASSIGN_OR_RETURN(cfg_, LoadShimConfig(dir_));
  config_loaded_ = true;
  // Runtime::Start made the log and status dirs before spawning us.
  GANTRY_TRY(EnterMountNamespace());
  GANTRY_TRY(WriteBundles());
  // The memory limit holds from the start; the CPU quota is set once the containers run
  // (StartContainers), so the runtime's own container setup is not throttled by it.
  GANTRY_TRY(CreateTaskCgroup(cfg_.cgroup_parent, cfg_.task.task_id,
                              {.cpu_units = 0, .memory_bytes = cfg_.task.memory_bytes}));
  containers_.reserve(cfg_.task.containers.size());
  for (const auto& spec : cfg_.task.containers) {
    Container& c = containers_.emplace_back();
    c.spec = spec;
    c.id = ContainerId(cfg_.task.task_id, spec.name);
    c.rec.status.name = spec.name;
    c.rec.status.log_path = task_paths::Log(cfg_.task, spec.name);
    c.log.Reset(
        ::open(c.rec.status.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!c.log.valid()) return ErrnoError("open " + c.rec.status.log_path, errno);
  }
  return Ok();
}

// The task gets a mount namespace of its own: the shim's, which the OCI runtime inherits and
// every container's namespace is copied from. Its root filesystems are mounted here, never in
// the host's namespace, so the host's mount table does not grow with running tasks (each
// container start copies that table and crun reads all of it), and they vanish with the task.
Result<void> Shim::EnterMountNamespace() {
  netns_ = cfg_.task.netns_path;
  bool overlays = false;
  for (const auto& c : cfg_.task.containers) overlays |= !c.overlay_lowers.empty();
  if (!overlays && netns_.empty()) return Ok();
  // Handed over by the runtime: our mount namespace may not show the host's netns directory.
  Fd ns = std::move(netns_fd_);
  if (!netns_.empty() && !ns.valid()) {
    ns.Reset(::open(netns_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) return ErrnoError("open network namespace " + netns_, errno);
  }
  if (::unshare(CLONE_NEWNS) != 0) return ErrnoError("unshare(CLONE_NEWNS)", errno);
  // Nothing mounted or unmounted here propagates back; the host's later mounts still reach us.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    return ErrnoError("make / a recursive slave", errno);
  if (ns.valid()) {
    // The containers join the netns through a bind of our own, so that the directory holding
    // every task's netns bind (a mount of its own) can be detached here: otherwise each of
    // them would be copied into every container's mount namespace.
    const std::string bound = task_paths::Netns(dir_);
    Fd f(::open(bound.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!f.valid()) return ErrnoError("create " + bound, errno);
    const std::string src = "/proc/self/fd/" + std::to_string(ns.get());
    if (::mount(src.c_str(), bound.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return ErrnoError("bind network namespace " + netns_ + " to " + bound, errno);
    netns_ = bound;
  }
  // Already gone when the zygote's template namespace is our origin; a directly spawned shim
  // (or a mount that appeared after the zygote started) pays for the detach here.
  for (const auto& dir : cfg_.hidden_host_mounts) {
    if (dir.empty() || !IsMountPoint(dir)) continue;
    if (::umount2(dir.c_str(), MNT_DETACH) != 0)
      return ErrnoError("detach " + dir + " in the task's mount namespace", errno);
  }
  for (const auto& c : cfg_.task.containers) {
    if (c.overlay_lowers.empty()) continue;
    if (auto r = MountOverlay(c.overlay_lowers, c.overlay_dir); !r.ok())
      return MakeError(r.error().code, "container {}: root filesystem: {}", c.name,
                       r.error().message);
  }
  return Ok();
}

// The OCI bundles, written once the root filesystems are mounted (user names resolve in them).
Result<void> Shim::WriteBundles() {
  TaskSpec task = cfg_.task;
  task.netns_path = netns_;
  OciOptions oci{.cgroup_parent = cfg_.cgroup_parent};
  if (cfg_.nofile_limit) oci.nofile_limit = cfg_.nofile_limit;
  for (const auto& c : task.containers) {
    GANTRY_ASSIGN_OR_RETURN(boost::json::object config, BuildOciConfig(task, c, oci));
    const std::string bundle = task_paths::Bundle(dir_, c.name);
    GANTRY_TRY(MakeDirs(bundle));
    GANTRY_TRY(WriteFileAtomic(bundle + "/config.json", boost::json::serialize(config)));
  }
  return Ok();
}

Result<void> Shim::SpawnRuntime(Container& c) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  Fd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  Fd err_r(err[0]), err_w(err[1]);
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK);

  const std::string pid_file = task_paths::PidFile(dir_, c.spec.name);
  const std::string bundle = task_paths::Bundle(dir_, c.spec.name);
  // The runtime's stdout/stderr become the container's (terminal=false inherits them); its own
  // error messages therefore land in the stderr pipe, which is how start errors are reported.
  auto pid = Spawn({.argv = RuntimeCommand(cfg_.runtime_binary, cfg_.runtime_root,
                                           {"run", "--detach", "--pid-file", pid_file, "--bundle",
                                            bundle, c.id}),
                    .fds = {devnull_.get(), out_w.get(), err_w.get()}});
  if (!pid.ok()) {
    c.runtime_pid = -1;
    return pid.error();
  }
  c.runtime_pid = *pid;
  c.out.fd = std::move(out_r);
  c.err.fd = std::move(err_r);
  return Ok();
}

Result<void> Shim::StartContainers() {
  // All runtimes run concurrently; each is one exec (`run -d` = create + start).
  Result<void> spawn_result = Ok();
  for (auto& c : containers_) {
    spawn_result = SpawnRuntime(c);
    if (!spawn_result.ok()) break;
  }
  std::string errors;
  for (auto& c : containers_) {
    if (c.runtime_pid < 0) continue;
    int st = 0;
    while (::waitpid(c.runtime_pid, &st, 0) < 0 && errno == EINTR) {
    }
    c.runtime_pid = -1;
    int code = DecodeWaitStatus(st);
    if (code != 0) {
      char buf[4096];
      std::string msg;
      ssize_t n;
      while ((n = ::read(c.err.fd.get(), buf, sizeof buf)) > 0)
        msg.append(buf, static_cast<size_t>(n));
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      if (msg.size() > 2000) msg.resize(2000);
      if (!errors.empty()) errors += "; ";
      errors += fmt::format("container {}: {} run exited {}: {}", c.spec.name, cfg_.runtime_binary,
                            code, msg);
      continue;
    }
    auto pid_text = ReadFile(task_paths::PidFile(dir_, c.spec.name));
    int pid = 0;
    if (pid_text.ok()) std::from_chars(pid_text->data(), pid_text->data() + pid_text->size(), pid);
    if (pid <= 0) {
      if (!errors.empty()) errors += "; ";
      errors += fmt::format("container {}: no pid in {}", c.spec.name,
                            task_paths::PidFile(dir_, c.spec.name));
      continue;
    }
    c.pid = pid;
  }
  if (!spawn_result.ok()) return spawn_result;
  if (!errors.empty()) return MakeError(ErrorCode::kInternal, "{}", errors);
  GANTRY_TRY(SetTaskCpuLimit(cfg_.cgroup_parent, cfg_.task.task_id, cfg_.task.cpu_units));
  const int64_t now = NowMs();
  for (auto& c : containers_) {
    c.rec.status.state = ContainerState::kRunning;
    c.rec.status.started_ms = now;
    WriteRecord(c);
  }
  return Ok();
}

void Shim::Ready(std::string_view msg) {
  if (!ready_.valid()) return;
  (void)!::write(ready_.get(), msg.data(), msg.size());
  ready_.Reset();
}

void Shim::AbortStart(const std::string& error) {
  (void)WriteFileAtomic(task_paths::Error(dir_), error);
  // Whatever did start is killed and deleted; every container gets a final record.
  for (auto& c : containers_) {
    if (c.runtime_pid > 0) {
      int st;
      ::waitpid(c.runtime_pid, &st, 0);
      c.runtime_pid = -1;
    }
    if (c.pid > 0) ::kill(c.pid, SIGKILL);
    DeleteContainer(c);
    if (c.pid > 0) {
      int st = 0;
      if (::waitpid(c.pid, &st, 0) > 0) c.rec.status.exit_code = DecodeWaitStatus(st);
    }
    if (c.out.fd.valid()) ReadStream(c, c.out, true);
    if (c.err.fd.valid()) ReadStream(c, c.err, true);
    c.rec.status.state = ContainerState::kExited;
    c.rec.status.finished_ms = NowMs();
    c.rec.status.reason = "CannotStartContainerError: " + error;
    WriteRecord(c);
  }
  if (config_loaded_) (void)RemoveTaskCgroup(cfg_.cgroup_parent, cfg_.task.task_id);
  Ready("error: " + error);
  (void)WriteFileAtomic(task_paths::ShimDone(dir_), std::to_string(NowMs()) + "\n");
}

void Shim::WriteRecord(Container& c) {
  auto r = WriteFileAtomic(task_paths::Status(dir_, c.spec.name), SerializeContainerRecord(c.rec));
  if (!r.ok()) Log("writing status: ", r.error().message);
}

void Shim::DeleteContainer(Container& c) {
  if (c.rec.deleted) return;
  auto r = RunProcess(
      {.argv = RuntimeCommand(cfg_.runtime_binary, cfg_.runtime_root, {"delete", "-f", c.id})});
  if (!r.ok()) {
    Log("delete: ", r.error().message);
    return;
  }
  // A container that was never created is as deleted as it gets.
  if (r->exit_code != 0 && r->err.find("does not exist") == std::string::npos &&
      r->err.find("not exist") == std::string::npos) {
    Log("delete: ", c.id + ": " + r->err);
    return;
  }
  c.rec.deleted = true;
}

void Shim::ReadStream(Container& c, Stream& s, bool drain) {
  char buf[65536];
  std::string out;
  const int64_t now = NowMs();
  for (int i = 0; drain || i < 4; ++i) {
    ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
    if (n > 0) {
      s.splitter.Feed(std::string_view(buf, static_cast<size_t>(n)), now, out);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !drain) break;
    // EOF, error, or (when draining) nothing more buffered: the stream is finished.
    s.splitter.Flush(now, out);
    s.fd.Reset();
    break;
  }
  if (!out.empty() && c.log.valid()) {
    if (::write(c.log.get(), out.data(), out.size()) < 0) Log("log write: ", strerror(errno));
  }
}

bool Shim::AllExited() const {
  for (const auto& c : containers_)
    if (c.rec.status.state != ContainerState::kExited) return false;
  return true;
}

void Shim::Reap() {
  for (;;) {
    int st = 0;
    pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid <= 0) return;
    for (auto& c : containers_) {
      if (c.pid == pid && c.rec.status.state != ContainerState::kExited) {
        OnExit(c, DecodeWaitStatus(st));
        break;
      }
    }
    // Anything else is an orphan inherited as subreaper: reaping it is all we owe it.
  }
}

void Shim::OnExit(Container& c, int code) {
  auto& s = c.rec.status;
  s.finished_ms = NowMs();
  s.exit_code = code;
  // The counter lives in the container's cgroup, which `delete` removes: read it first.
  if (ReadOomKillCount(cfg_.cgroup_parent, cfg_.task.task_id, c.spec.name) > 0) {
    s.oom_killed = true;
    s.reason = kOomReason;
  } else if (c.stop_sent) {
    s.reason = stop_reason_;
  }
  // The pid namespace is gone with its init, so the pipes hold all the output there will be.
  if (c.out.fd.valid()) ReadStream(c, c.out, true);
  if (c.err.fd.valid()) ReadStream(c, c.err, true);
  DeleteContainer(c);
  s.state = ContainerState::kExited;
  WriteRecord(c);
  if (c.spec.essential && !stopping_) {
    Log("essential container exited, stopping the task: ", c.spec.name);
    StopAll("Essential container in task exited: " + c.spec.name);
  }
}

void Shim::StopContainer(Container& c) {
  if (c.stop_sent || c.rec.status.state == ContainerState::kExited || c.pid <= 0) return;
  c.stop_sent = true;
  // The init is our (reparented) child: until we reap it, its pid cannot be reused.
  // A PID 1 without a SIGTERM handler ignores it; the SIGKILL after the grace period ends it.
  if (c.spec.stop_timeout_s <= 0) {
    ::kill(c.pid, SIGKILL);
    c.kill_sent = true;
    return;
  }
  ::kill(c.pid, SIGTERM);
  c.kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(c.spec.stop_timeout_s);
}

void Shim::StopAll(const std::string& reason) {
  if (!stopping_) stop_reason_ = reason;
  stopping_ = true;
  for (auto& c : containers_) StopContainer(c);
  ArmTimer();
}

void Shim::ArmTimer() {
  SteadyTime next = SteadyTime::max();
  for (const auto& c : containers_) {
    if (c.stop_sent && !c.kill_sent && c.rec.status.state != ContainerState::kExited)
      next = std::min(next, c.kill_at);
  }
  itimerspec its{};
  if (next != SteadyTime::max()) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch()).count();
    if (ns <= 0) ns = 1;
    its.it_value.tv_sec = ns / 1000000000;
    its.it_value.tv_nsec = ns % 1000000000;
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  }
  // steady_clock is CLOCK_MONOTONIC on Linux, so the deadline can be armed as absolute time.
  ::timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
}

void Shim::OnTimer() {
  uint64_t expirations;
  (void)!::read(timerfd_.get(), &expirations, sizeof expirations);
  const auto now = std::chrono::steady_clock::now();
  for (auto& c : containers_) {
    if (c.stop_sent && !c.kill_sent && c.rec.status.state != ContainerState::kExited &&
        c.kill_at <= now) {
      ::kill(c.pid, SIGKILL);
      c.kill_sent = true;
    }
  }
  ArmTimer();
}

void Shim::Loop() {
  // Containers may have exited before we entered the loop: reap first.
  Reap();
  std::vector<pollfd> fds;
  std::vector<std::pair<Container*, Stream*>> owners;
  while (!AllExited()) {
    fds.clear();
    owners.clear();
    fds.push_back({sigfd_.get(), POLLIN, 0});
    fds.push_back({timerfd_.get(), POLLIN, 0});
    for (auto& c : containers_) {
      for (Stream* s : {&c.out, &c.err}) {
        if (!s->fd.valid()) continue;
        fds.push_back({s->fd.get(), POLLIN, 0});
        owners.emplace_back(&c, s);
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      Log("poll: ", strerror(errno));
      break;
    }
    for (size_t i = 0; i < owners.size(); ++i) {
      if (fds[i + 2].revents) ReadStream(*owners[i].first, *owners[i].second, false);
    }
    if (fds[1].revents & POLLIN) OnTimer();
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si;
      bool child = false, stop = false;
      while (::read(sigfd_.get(), &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGCHLD)
          child = true;
        else
          stop = true;
      }
      if (stop) {
        Log("stop requested", "");
        (void)WriteFileAtomic(task_paths::StopRequested(dir_), std::to_string(NowMs()) + "\n");
        StopAll("Task stopped by request");
      }
      if (child) Reap();
    }
  }
}

}  // namespace

int ShimMain(const std::string& task_dir) {
  // Spawned in a session of its own; the agent that spawned it reaps it when it exits, and if the
  // agent dies first the shim is reparented and carries on, so the task keeps running.
  Shim shim(task_dir);
  int rc = shim.Run();
  std::fflush(stderr);
  std::_Exit(rc);
}

}  // namespace gantry::runtime
