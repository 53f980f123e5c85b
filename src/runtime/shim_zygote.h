// ShimZygote: a `gantry-shim zygote` process started once by the runtime, which forks a shim for
// each task on request. Exec'ing gantry-shim for every launch cost ~1.4 ms of CPU (kernel exec,
// mapping and relocating its shared libraries, C++ runtime start-up); a fork of the small,
// single-threaded, already started zygote is a fraction of that. Launches are the hot path.
//
// The zygote reaps the shims it forks; each shim runs in a session of its own with the same
// stdio, readiness fd and environment as a directly spawned one, and shows up in ps as
// `gantry-shim shim <task_dir>`. The zygote exits when the runtime closes its socket (also when
// the agent's process dies); shims carry on, reparented, exactly as before.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/fd.h"
#include "common/result.h"

namespace gantry::runtime {

class ShimZygote {
 public:
  // Spawns `<shim_binary> zygote [--hide DIR]... <title space>` with one end of a socketpair as
  // its fd 3. The zygote enters a mount namespace of its own (a recursive slave of the host's)
  // with the `hidden` mount points detached: the template every shim's namespace is copied
  // from, so a shim copies a small mount table however many netns binds the host holds.
  static Result<std::unique_ptr<ShimZygote>> Start(const std::string& shim_binary,
                                                   const std::vector<std::string>& hidden = {});
  ~ShimZygote();  // closes the socket (the zygote exits) and reaps the zygote
  ShimZygote(const ShimZygote&) = delete;
  ShimZygote& operator=(const ShimZygote&) = delete;

  // Forks a shim for task_dir with log_fd as its stderr, ready_fd as its fd 3 and, when
  // netns_fd >= 0, the task's network namespace as its fd 4; its pid.
  Result<pid_t> Spawn(const std::string& task_dir, int log_fd, int ready_fd, int netns_fd = -1);

 private:
  ShimZygote(pid_t pid, Fd sock) : pid_(pid), sock_(std::move(sock)) {}
  pid_t pid_;
  Fd sock_;
  std::mutex mu_;  // one request/reply at a time
};

// Entry point of `gantry-shim zygote ...`: serves requests on fd 3 until it is closed.
int ShimZygoteMain(int argc, char** argv);

}  // namespace gantry::runtime
