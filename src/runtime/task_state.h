// The on-disk layout of a task directory and the record formats the agent and the shim share:
// spec.json (what to run), status/<container>.json (what happened), shim.pid (who supervises).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/runtime.h"

namespace gantry::runtime {

// Everything the shim needs, written by Runtime::Start as <task_dir>/spec.json.
struct ShimConfig {
  TaskSpec task;
  std::string runtime_binary;
  std::string cgroup_parent;
  std::string runtime_root;  // "" = the runtime's default state dir
  uint64_t nofile_limit = 0;  // containers' RLIMIT_NOFILE; 0 = the OCI default
  std::vector<std::string> hidden_host_mounts;  // ShimRuntimeOptions::hidden_host_mounts
};

// A runtime invocation: the binary, `--root <dir>` when one is set, then `args`.
std::vector<std::string> RuntimeCommand(const std::string& binary, const std::string& root,
                                        std::initializer_list<std::string> args = {});

// Per-container record written by the shim (atomically) as status/<name>.json.
struct ContainerRecord {
  ContainerStatus status;
  bool deleted = false;  // the OCI runtime's state was removed (`<runtime> delete -f`)
};

// A process identified by pid and start time (clock ticks since boot), immune to pid reuse.
struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

namespace task_paths {
std::string Spec(const std::string& dir);
std::string Bundles(const std::string& dir);
std::string Bundle(const std::string& dir, const std::string& container);
std::string PidFile(const std::string& dir, const std::string& container);
std::string LogDir(const TaskSpec& task);  // task.log_dir, or <dir>/logs
std::string Log(const TaskSpec& task, const std::string& container);
std::string Status(const std::string& dir, const std::string& container);
std::string ShimPid(const std::string& dir);
std::string ShimLog(const std::string& dir);
std::string ShimDone(const std::string& dir);
std::string StopRequested(const std::string& dir);
std::string Error(const std::string& dir);
std::string Netns(const std::string& dir);  // the task's netns, bound in its mount namespace
}  // namespace task_paths

// "gantry-<task_id>-<container>": the id under which the OCI runtime knows the container.
std::string ContainerId(const std::string& task_id, const std::string& container);
// "/<parent>/<task_id>/<container>" (or "/<parent>/<task_id>" when container is empty).
std::string CgroupRelPath(const std::string& parent, const std::string& task_id,
                          const std::string& container = "");

std::string SerializeShimConfig(const ShimConfig& cfg);
Result<ShimConfig> ParseShimConfig(std::string_view text);
Result<ShimConfig> LoadShimConfig(const std::string& task_dir);

std::string SerializeContainerRecord(const ContainerRecord& rec);
Result<ContainerRecord> ParseContainerRecord(std::string_view text);

// Reads /proc/<pid>/stat; nullopt-like error when the process is gone.
Result<ProcessIdentity> IdentifyProcess(pid_t pid);
std::string SerializeIdentity(const ProcessIdentity& id);
Result<ProcessIdentity> ParseIdentity(std::string_view text);
// True when a process with this pid and start time exists and is not a zombie.
bool IsAlive(const ProcessIdentity& id);
// Sends `sig` to the process if (and only if) it is still the identified one (pidfd-based).
Result<void> SignalIdentified(const ProcessIdentity& id, int sig);

int64_t NowMs();

}  // namespace gantry::runtime
