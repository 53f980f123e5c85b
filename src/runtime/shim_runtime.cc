// ShimRuntime: the Runtime backed by one detached `gantry shim` per task driving crun or runc.
// The agent side only writes files, spawns the shim, and reads files back; it never holds
// per-task state in memory, so a restarted agent sees exactly what the old one saw.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/ids.h"
#include "common/process.h"
#include "runtime/container_exec.h"
#include "runtime/oci_spec.h"
#include "runtime/runtime.h"
#include "runtime/shim_zygote.h"
#include "runtime/task_cgroup.h"
#include "runtime/task_state.h"

extern char** environ;

namespace gantry::runtime {

namespace {

constexpr int kReadyTimeoutMs = 60000;
constexpr uint64_t kMaxNofile = 20000;

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.';
    if (!ok) return false;
  }
  return true;
}

uint64_t NofileLimit() {
  static const uint64_t limit = [] {
    struct rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max == RLIM_INFINITY) return kMaxNofile;
    return std::min<uint64_t>(kMaxNofile, rl.rlim_max);
  }();
  return limit;
}

Result<ProcessIdentity> ReadShimIdentity(const std::string& dir) {
  GANTRY_ASSIGN_OR_RETURN(std::string text, ReadFile(task_paths::ShimPid(dir)));
  return ParseIdentity(text);
}

bool ShimAlive(const std::string& dir) {
  auto id = ReadShimIdentity(dir);
  return id.ok() && IsAlive(*id);
}

// True in the few milliseconds between spawning the shim and the shim recording its pid (or
// while a Start that crashed with the agent could still be coming up): not dead yet.
bool ShimStarting(const std::string& dir) {
  if (PathExists(task_paths::ShimPid(dir)) || PathExists(task_paths::ShimDone(dir)) ||
      PathExists(task_paths::Error(dir)))
    return false;
  struct stat st;
  if (::stat(task_paths::Spec(dir).c_str(), &st) != 0) return false;
  const int64_t written_ms = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
  return NowMs() - written_ms < kReadyTimeoutMs;
}

class ShimRuntime final : public Runtime {
 public:
  explicit ShimRuntime(ShimRuntimeOptions opts) : opts_(std::move(opts)) {}

  Result<void> Start(const TaskSpec& spec) override;
  Result<TaskStatus> Status(const std::string& task_dir) override;
  Result<void> Stop(const std::string& task_dir) override;
  Result<void> Cleanup(const std::string& task_dir) override;
  Result<void> RemoveTaskDir(const std::string& task_dir) override;
  Result<ExecResult> Exec(const std::string& task_dir, const std::string& container,
                          const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) override;

 private:
  Result<void> Validate(const TaskSpec& spec) const;
  Result<void> SpawnShim(const std::string& dir, const std::string& netns_path);
  // The shims this process spawned are its children until they exit: reaps the one of dir if it
  // has exited (a zombie already counts as dead; this just frees it).
  void ReapShim(const std::string& dir);

  // Forks shims for SpawnShim when the dedicated gantry-shim binary is used (started on first use,
  // restarted if it died); nullptr = spawn each shim directly.
  ShimZygote* Zygote();

  ShimRuntimeOptions opts_;
  std::mutex zygote_mu_;
  std::unique_ptr<ShimZygote> zygote_;
  std::mutex reap_mu_;
  std::set<pid_t> children_;  // spawned shims not reaped yet (pids cannot be reused meanwhile)
};

ShimZygote* ShimRuntime::Zygote() {
  if (!opts_.shim_zygote) return nullptr;
  if (const char* off = std::getenv("GANTRY_SHIM_ZYGOTE"); off && std::string_view(off) == "0")
    return nullptr;  // operator's escape hatch: exec a shim per task as before
  std::lock_guard lock(zygote_mu_);
  if (!zygote_) {
    auto z = ShimZygote::Start(opts_.shim_binary, opts_.hidden_host_mounts);
    if (!z.ok()) {
      spdlog::warn("runtime: shim zygote: {}; spawning shims directly", z.error().message);
      return nullptr;
    }
    zygote_ = std::move(*z);
  }
  return zygote_.get();
}

void ShimRuntime::ReapShim(const std::string& dir) {
  {
    std::lock_guard lock(reap_mu_);
    if (children_.empty()) return;  // zygote-forked shims are the zygote's to reap
  }
  auto id = ReadShimIdentity(dir);
  if (!id.ok()) return;
  std::lock_guard lock(reap_mu_);
  if (!children_.count(id->pid)) return;
  int st = 0;
  pid_t r = ::waitpid(id->pid, &st, WNOHANG);
  if (r == id->pid || (r < 0 && errno == ECHILD)) children_.erase(id->pid);
}

Result<void> ShimRuntime::Validate(const TaskSpec& spec) const {
  if (!ValidName(spec.task_id))
    return MakeError(ErrorCode::kInvalidArgument, "invalid task id '{}'", spec.task_id);
  if (spec.dir.empty() || spec.dir[0] != '/')
    return MakeError(ErrorCode::kInvalidArgument, "task {}: dir must be absolute", spec.task_id);
  if (spec.containers.empty())
    return MakeError(ErrorCode::kInvalidArgument, "task {}: no containers", spec.task_id);
  std::set<std::string> names;
  for (const auto& c : spec.containers) {
    if (!ValidName(c.name))
      return MakeError(ErrorCode::kInvalidArgument, "task {}: invalid container name '{}'",
                       spec.task_id, c.name);
    if (!names.insert(c.name).second)
      return MakeError(ErrorCode::kInvalidArgument, "task {}: duplicate container name '{}'",
                       spec.task_id, c.name);
    if (c.args.empty())
      return MakeError(ErrorCode::kInvalidArgument, "container {}: empty args", c.name);
    if (c.rootfs.empty())
      return MakeError(ErrorCode::kInvalidArgument, "container {}: empty rootfs", c.name);
    if (!c.overlay_lowers.empty() &&
        (c.overlay_dir.empty() || c.overlay_dir[0] != '/' || c.rootfs != c.overlay_dir + "/rootfs"))
      return MakeError(ErrorCode::kInvalidArgument,
                       "container {}: an overlay rootfs needs an absolute overlay_dir and rootfs "
                       "= <overlay_dir>/rootfs",
                       c.name);
  }
  if (opts_.shim_binary.empty())
    return MakeError(ErrorCode::kFailedPrecondition, "runtime: shim_binary not configured");
  if (!ValidName(opts_.cgroup_parent))
    return MakeError(ErrorCode::kFailedPrecondition, "runtime: invalid cgroup parent '{}'",
                     opts_.cgroup_parent);
  return Ok();
}

Result<void> ShimRuntime::Start(const TaskSpec& spec) {
  GANTRY_TRY(Validate(spec));
  if (PathExists(task_paths::Spec(spec.dir)))
    return MakeError(ErrorCode::kAlreadyExists, "task {}: {} already holds a task", spec.task_id,
                     spec.dir);
  GANTRY_TRY(MakeDirs(task_paths::LogDir(spec)));
  GANTRY_TRY(MakeDirs(spec.dir + "/status"));

  // The shim mounts the root filesystems in the task's mount namespace and writes the bundles
  // there (user names resolve against the mounted rootfs).
  ShimConfig cfg{spec, opts_.runtime_binary, opts_.cgroup_parent, opts_.runtime_root,
                 NofileLimit(), opts_.hidden_host_mounts};
  GANTRY_TRY(WriteFileAtomic(task_paths::Spec(spec.dir), SerializeShimConfig(cfg)));
  const int64_t t_spawn = NowMs();
  auto r = SpawnShim(spec.dir, spec.netns_path);
  if (r.ok() && spdlog::should_log(spdlog::level::debug)) {
    // The shim's own split (setup incl. cgroups, runtime run) is its last log line.
    std::string shim_line;
    if (auto text = ReadFile(task_paths::ShimLog(spec.dir)); text.ok()) shim_line = *text;
    while (!shim_line.empty() && shim_line.back() == '\n') shim_line.pop_back();
    shim_line = shim_line.substr(shim_line.rfind('\n') + 1);
    spdlog::debug("runtime: task {}: shim ready {} ms after spawn (spawned at {}); {}",
                  spec.task_id, NowMs() - t_spawn, t_spawn, shim_line);
  }
  if (!r.ok()) {
    // The shim already removed what it started; this catches a shim that died or hung.
    if (auto id = ReadShimIdentity(spec.dir); id.ok()) {
      (void)SignalIdentified(*id, SIGKILL);
      for (int i = 0; i < 500 && IsAlive(*id); ++i) ::usleep(10000);
    }
    if (!PathExists(task_paths::Error(spec.dir)))
      (void)WriteFileAtomic(task_paths::Error(spec.dir), r.error().message);
    (void)Cleanup(spec.dir);
  }
  return r;
}

Result<void> ShimRuntime::SpawnShim(const std::string& dir, const std::string& netns_path) {
  // The shim gets the task's netns as an fd: its mount namespace need not (and, started from the
  // zygote's template, does not) show the host's netns directory.
  Fd netns;
  if (!netns_path.empty()) {
    netns.Reset(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns.valid()) return ErrnoError("open network namespace " + netns_path, errno);
  }
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  Fd ready_r(p[0]), ready_w(p[1]);
  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull.valid()) return ErrnoError("open /dev/null", errno);
  const std::string log_path = task_paths::ShimLog(dir);
  Fd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log.valid()) return ErrnoError("open " + log_path, errno);

  pid_t pid = -1;
  bool forked = false;
  if (ShimZygote* z = Zygote()) {
    auto p = z->Spawn(dir, log.get(), ready_w.get(), netns.valid() ? netns.get() : -1);
    if (p.ok()) {
      pid = *p;
      forked = true;
    } else {
      spdlog::warn("runtime: shim zygote: {}; restarting it", p.error().message);
      std::lock_guard lock(zygote_mu_);
      if (zygote_.get() == z) zygote_.reset();
    }
  }
  if (!forked) {
    // New session, clean signal state, only stdio and the readiness pipe inherited. The shim
    // stays this process's child (ReapShim frees it after it exits); if the agent dies it is
    // reparented, and its own session keeps it out of signals meant for the agent's group.
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      std::string_view v(*e);
      if (!v.starts_with("GANTRY_SHIM_READY_FD=") && !v.starts_with("GANTRY_SHIM_NETNS_FD="))
        env.emplace_back(v);
    }
    env.emplace_back("GANTRY_SHIM_READY_FD=3");
    std::vector<int> fds{devnull.get(), devnull.get(), log.get(), ready_w.get()};
    if (netns.valid()) {
      env.emplace_back("GANTRY_SHIM_NETNS_FD=4");
      fds.push_back(netns.get());
    }
    auto p = Spawn({.argv = {opts_.shim_binary, "shim", dir},
                    .env = std::move(env),
                    .fds = std::move(fds),
                    .new_session = true});
    if (!p.ok()) return p.error();
    pid = *p;
  }
  ready_w.Reset();
  if (!forked) {  // the zygote reaps the shims it forks; this one is our child
    std::lock_guard lock(reap_mu_);
    children_.insert(pid);
  }
  // A shim that fails before recording its pid is reaped here, as ReapShim cannot find it.
  auto reap_if_gone = [&] {
    if (forked) return;
    std::lock_guard lock(reap_mu_);
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) children_.erase(pid);
  };

  std::string msg;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0)
      return MakeError(ErrorCode::kUnavailable, "{}: shim not ready after {} ms", dir,
                       kReadyTimeoutMs);
    pollfd pfd{ready_r.get(), POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("poll readiness pipe", errno);
    if (n == 0) continue;
    char buf[4096];
    ssize_t r = ::read(ready_r.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    msg.append(buf, static_cast<size_t>(r));
  }
  if (msg == "ok") return Ok();
  reap_if_gone();
  if (msg.starts_with("error: "))
    return MakeError(ErrorCode::kFailedPrecondition, "{}", msg.substr(7));
  return MakeError(ErrorCode::kInternal, "{}: shim exited before reporting readiness (see {})", dir,
                   log_path);
}

Result<TaskStatus> ShimRuntime::Status(const std::string& task_dir) {
  ReapShim(task_dir);
  GANTRY_ASSIGN_OR_RETURN(ShimConfig cfg, LoadShimConfig(task_dir));
  TaskStatus ts;
  ts.shim_alive = ShimAlive(task_dir);
  const bool starting = !ts.shim_alive && ShimStarting(task_dir);
  ts.stop_requested = PathExists(task_paths::StopRequested(task_dir));
  if (auto err = ReadFile(task_paths::Error(task_dir)); err.ok()) ts.error = std::move(*err);
  bool all_exited = true;
  for (const auto& c : cfg.task.containers) {
    ContainerStatus s;
    if (auto text = ReadFile(task_paths::Status(task_dir, c.name)); text.ok()) {
      if (auto rec = ParseContainerRecord(*text); rec.ok()) s = std::move(rec->status);
    }
    s.name = c.name;
    s.log_path = task_paths::Log(cfg.task, c.name);
    if (s.state != ContainerState::kExited && !ts.shim_alive && !starting) {
      // Nobody supervises the container any more: its exit code is unknowable. Report that
      // rather than a guess; Cleanup removes whatever is left of it.
      s.state = ContainerState::kExited;
      s.exit_code.reset();
      s.reason = "shim exited unexpectedly; container exit status unknown";
    }
    if (s.state != ContainerState::kExited) all_exited = false;
    ts.containers.push_back(std::move(s));
  }
  ts.finished = all_exited && !ts.shim_alive;
  return ts;
}

Result<void> ShimRuntime::Stop(const std::string& task_dir) {
  if (!PathExists(task_paths::Spec(task_dir)))
    return MakeError(ErrorCode::kNotFound, "{}: no task", task_dir);
  auto id = ReadShimIdentity(task_dir);
  if (!id.ok() || !IsAlive(*id)) return Ok();  // nothing supervises the task: nothing to stop
  // Recorded here as well as by the shim, so Status reflects the request at once.
  if (!PathExists(task_paths::StopRequested(task_dir)))
    GANTRY_TRY(
        WriteFileAtomic(task_paths::StopRequested(task_dir), std::to_string(NowMs()) + "\n"));
  return SignalIdentified(*id, SIGTERM);
}

Result<void> ShimRuntime::Cleanup(const std::string& task_dir) {
  ReapShim(task_dir);
  auto cfg = LoadShimConfig(task_dir);
  if (!cfg.ok()) {
    if (cfg.error().code == ErrorCode::kNotFound) return Ok();
    return std::move(cfg).error();
  }
  if (ShimAlive(task_dir) || ShimStarting(task_dir))
    return MakeError(ErrorCode::kFailedPrecondition, "task {}: shim still running",
                     cfg->task.task_id);
  const std::string runtime =
      cfg->runtime_binary.empty() ? opts_.runtime_binary : cfg->runtime_binary;
  Result<void> result = Ok();
  for (const auto& c : cfg->task.containers) {
    auto text = ReadFile(task_paths::Status(task_dir, c.name));
    if (text.ok()) {
      auto rec = ParseContainerRecord(*text);
      if (rec.ok() && rec->deleted) continue;
    }
    // The shim died before deleting it: kill and delete whatever the runtime still knows.
    auto r = RunProcess({.argv = RuntimeCommand(runtime, cfg->runtime_root,
                                                {"delete", "-f",
                                                 ContainerId(cfg->task.task_id, c.name)})});
    if (!r.ok()) result = r.error();
  }
  if (auto r = RemoveTaskCgroup(cfg->cgroup_parent, cfg->task.task_id); !r.ok()) result = r;
  if (auto r = RemoveTree(task_paths::Bundles(task_dir)); !r.ok()) result = r;
  return result;
}

Result<void> ShimRuntime::RemoveTaskDir(const std::string& task_dir) {
  ReapShim(task_dir);
  if (ShimAlive(task_dir))
    return MakeError(ErrorCode::kFailedPrecondition, "{}: shim still running", task_dir);
  // A log dir of its own (outside the task dir) goes too.
  if (auto cfg = LoadShimConfig(task_dir); cfg.ok() && !cfg->task.log_dir.empty() &&
                                           !cfg->task.log_dir.starts_with(task_dir + "/"))
    GANTRY_TRY(RemoveTree(cfg->task.log_dir));
  return RemoveTree(task_dir);
}

Result<ExecResult> ShimRuntime::Exec(const std::string& task_dir, const std::string& container,
                                     const std::vector<std::string>& argv,
                                     std::chrono::milliseconds timeout) {
  if (argv.empty())
    return MakeError(ErrorCode::kInvalidArgument, "{}: exec in {}: empty command", task_dir,
                     container);
  GANTRY_ASSIGN_OR_RETURN(ShimConfig cfg, LoadShimConfig(task_dir));
  const std::string& task_id = cfg.task.task_id;
  if (std::none_of(cfg.task.containers.begin(), cfg.task.containers.end(),
                   [&](const ContainerSpec& c) { return c.name == container; }))
    return MakeError(ErrorCode::kNotFound, "task {}: no container '{}'", task_id, container);
  // Only a container the shim started and still supervises: never exec into a stale runtime
  // state or race the shim's `delete -f`.
  ContainerState state = ContainerState::kCreated;
  if (auto text = ReadFile(task_paths::Status(task_dir, container)); text.ok()) {
    if (auto rec = ParseContainerRecord(*text); rec.ok()) state = rec->status.state;
  }
  if (state != ContainerState::kRunning || !ShimAlive(task_dir))
    return MakeError(ErrorCode::kFailedPrecondition, "task {}: container {} is not running",
                     task_id, container);
  const std::string runtime =
      cfg.runtime_binary.empty() ? opts_.runtime_binary : cfg.runtime_binary;
  // Not MakeDirs: a late exec must not recreate a task dir removed meanwhile.
  const std::string exec_dir = task_dir + "/exec";
  if (::mkdir(exec_dir.c_str(), 0750) != 0 && errno != EEXIST)
    return ErrnoError("mkdir " + exec_dir, errno);
  const std::string pid_file = exec_dir + "/" + container + "-" + RandomHex(12) + ".pid";
  auto r = RunContainerExec(RuntimeCommand(runtime, cfg.runtime_root),
                            ContainerId(task_id, container), argv, timeout, pid_file);
  ::unlink(pid_file.c_str());
  return r;
}

}  // namespace

std::unique_ptr<Runtime> MakeShimRuntime(ShimRuntimeOptions opts) {
  return std::make_unique<ShimRuntime>(std::move(opts));
}

}  // namespace gantry::runtime
