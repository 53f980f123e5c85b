// Running one command inside a running container through the OCI runtime's `exec`, bounded by a
// deadline: output captured (capped), and on timeout the command, its process group and the
// runtime's exec process are killed and reaped.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/runtime.h"

namespace gantry::runtime {

// Runs `<runtime_cmd...> exec --pid-file <pid_file> <container_id> <argv...>` (no shell), stdin
// from /dev/null, stdout+stderr into one pipe (kept up to kMaxExecOutput bytes, the rest read and
// dropped). Returns once the runtime's exec process exited — output a background child still
// writes is not waited for — or at the deadline. Fails only when the runtime cannot be spawned.
Result<ExecResult> RunContainerExec(const std::vector<std::string>& runtime_cmd,
                                    const std::string& container_id,
                                    const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout, const std::string& pid_file);

}  // namespace gantry::runtime
