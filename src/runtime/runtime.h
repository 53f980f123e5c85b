// Runtime: runs one task's containers. The real implementation (shim_runtime) writes an OCI bundle
// per container and starts one `gantry shim` per task that drives an OCI runtime binary (crun or
// runc) — the shim is a child subreaper that owns the containers' stdio (line-timestamped log
// files), records exit codes and OOM kills, and outlives the server. All state lives in the task
// directory, so a restarted agent re-adopts running tasks from disk. A fake implementation serves
// agent tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::runtime {

// A file or directory from the host bound into the container (e.g. the task's /etc/hosts).
struct BindMount {
  std::string source;
  std::string destination;
  bool readonly = true;
};

struct ContainerSpec {
  std::string name;               // unique within the task
  std::vector<std::string> args;  // final argv (entryPoint + command already merged)
  std::vector<std::string> env;   // KEY=VALUE, final
  std::string cwd = "/";
  std::string user;        // "", "uid", "uid:gid", "name" or "name:group" (resolved in rootfs)
  std::string rootfs;      // the container's root filesystem (OCI root.path)
  // When overlay_lowers is set, rootfs is <overlay_dir>/rootfs and the shim mounts an overlay
  // of these layer dirs (top first; upper/ and work/ in overlay_dir) there, in the task's own
  // mount namespace: task root filesystems never enter the host's mount table (which every
  // container start copies and reads) and vanish with the task. Empty: rootfs is ready as is.
  std::vector<std::string> overlay_lowers;
  std::string overlay_dir;
  int64_t cpu_shares = 0;  // ECS container cpu units -> cpu weight; 0 = runtime default
  int64_t memory_limit_bytes = 0;        // hard limit; 0 = none (task limit still applies)
  int64_t memory_reservation_bytes = 0;  // soft limit; 0 = none
  int64_t pids_limit = 0;                // 0 = default (4096)
  bool essential = true;    // when an essential container exits, the shim stops the rest
  int stop_timeout_s = 30;  // SIGTERM -> SIGKILL grace
  std::string hostname;
  std::vector<BindMount> mounts;  // e.g. the task's /etc/hosts
};

struct TaskSpec {
  std::string task_id;       // used in container ids and cgroup paths
  std::string dir;           // task state dir (created by Start; bundles, status files)
  std::string log_dir;       // the containers' <name>.log files; "" = <dir>/logs. Removed with
                             // the task dir: keep it off tmpfs when dir is on one (logs grow)
  std::string netns_path;    // network namespace every container joins; "" = host network.
                             // The runtime opens it and hands the shim the fd, which binds it
                             // to <dir>/netns in the task's mount namespace (see shim.cc)
  int64_t cpu_units = 0;     // task-level cpu (1024 = 1 vCPU) -> CFS quota; 0 = unlimited
  int64_t memory_bytes = 0;  // task-level hard limit; 0 = none
  std::vector<ContainerSpec> containers;
};

enum class ContainerState { kCreated, kRunning, kExited };

struct ContainerStatus {
  std::string name;
  ContainerState state = ContainerState::kCreated;
  std::optional<int> exit_code;  // 128+signal when killed; 137 on OOM
  bool oom_killed = false;
  std::string reason;  // e.g. "OutOfMemoryError: Container killed due to memory usage"
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  std::string log_path;  // lines: "<unix_ms> <stdout|stderr> <text>\n"
};

struct TaskStatus {
  bool shim_alive = false;
  bool finished = false;  // every container exited and the shim has exited
  bool stop_requested = false;
  std::vector<ContainerStatus> containers;
  std::string error;  // set when the shim failed to start a container
};

// What a command run inside a running container (Runtime::Exec) did.
struct ExecResult {
  int exit_code = -1;   // 128+signal when killed; -1 when timed out
  std::string output;   // stdout and stderr interleaved, at most kMaxExecOutput bytes
  bool timed_out = false;
};
inline constexpr size_t kMaxExecOutput = 4096;

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Creates spec.dir, writes bundles, starts the shim and returns once every container runs,
  // or an error after cleaning up what was created (the task can then be reported as failed).
  virtual Result<void> Start(const TaskSpec& spec) = 0;

  // Reads the task's state from its directory (works after an agent restart).
  virtual Result<TaskStatus> Status(const std::string& task_dir) = 0;

  // Asks the shim to stop every container: SIGTERM, each container's stop timeout, SIGKILL.
  // Returns immediately; idempotent.
  virtual Result<void> Stop(const std::string& task_dir) = 0;

  // After the task finished (or its shim died): deletes runtime state, cgroups and bundles.
  // Leaves the log files and status files in place until RemoveTaskDir. Idempotent.
  virtual Result<void> Cleanup(const std::string& task_dir) = 0;
  virtual Result<void> RemoveTaskDir(const std::string& task_dir) = 0;

  // Runs `argv` inside a running container of the task (its namespaces, cgroup, user, env and
  // cwd; `<runtime> exec`), waits at most `timeout`, and returns its exit code and output. On
  // timeout the process, everything in its process group and the runtime's exec process are
  // killed: timed_out = true, exit_code = -1. A non-zero exit (including the runtime failing to
  // exec) is a value; errors are kNotFound (no such task/container), kFailedPrecondition (the
  // container is not running) or a failure to spawn the runtime. Safe to call concurrently.
  virtual Result<ExecResult> Exec(const std::string& task_dir, const std::string& container,
                                  const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) = 0;
};

struct ShimRuntimeOptions {
  std::string runtime_binary = "crun";   // "crun" or "runc" (path or name in PATH)
  std::string shim_binary;               // the gantry executable; `<shim_binary> shim <task_dir>`
  std::string cgroup_parent = "gantry";  // cgroups at <controller>/<parent>/<task_id>/<container>
  std::string runtime_root;              // the runtime's --root (its state dir); "" = its default
  // shim_binary also understands `zygote` (gantry-shim does): shims are forked by one zygote
  // instead of exec'd per task (shim_zygote.h). GANTRY_SHIM_ZYGOTE=0 in the environment turns
  // it off.
  bool shim_zygote = false;
  // Host mount points detached from every task's mount namespace (the shim's, which each
  // container's copies), e.g. the directory holding every task's netns bind: otherwise each of
  // them would be copied into every new container. The zygote detaches them once in a template
  // namespace its shims start from; a directly spawned shim does it itself.
  std::vector<std::string> hidden_host_mounts;
};

std::unique_ptr<Runtime> MakeShimRuntime(ShimRuntimeOptions opts);

// Entry point of `gantry shim <task_dir>` (called from main; never returns to the caller's logic).
int ShimMain(const std::string& task_dir);

// Reads complete log lines appended to `path` from byte `offset`.
struct LogLine {
  int64_t timestamp_ms = 0;
  bool is_stderr = false;
  std::string text;
};
struct LogChunk {
  std::vector<LogLine> lines;
  int64_t next_offset = 0;  // offset after the last complete line returned
};
Result<LogChunk> ReadLogLines(const std::string& path, int64_t offset, size_t max_lines = 10000);

}  // namespace gantry::runtime
