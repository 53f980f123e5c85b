// Running external programs (crun, runc, CNI plugins) without a shell: posix_spawn (vfork-fast),
// optional stdin data, captured stdout/stderr, and exit status decoding.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry {

struct ProcessOptions {
  std::vector<std::string> argv;                    // argv[0] is an absolute path or found in PATH
  std::optional<std::vector<std::string>> env;      // KEY=VALUE; nullopt inherits ours
  std::string stdin_data;                           // written to the child's stdin, then closed
  bool capture_stdout = true;
  bool capture_stderr = true;
  // When not capturing, these fds (if >= 0) become the child's stdout/stderr; else /dev/null.
  int stdout_fd = -1;
  int stderr_fd = -1;
};

struct ProcessResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs to completion. Fails only when the program cannot be started; a non-zero exit is a value.
Result<ProcessResult> RunProcess(const ProcessOptions& opts);

// How Spawn starts a program: no shell; the child's fd i is our fds[i] and every other fd is
// closed; empty signal mask, every signal disposition default.
struct SpawnOptions {
  std::vector<std::string> argv;                // argv[0]: a path, or a name found in PATH
  std::optional<std::vector<std::string>> env;  // KEY=VALUE; nullopt inherits ours
  std::vector<int> fds;                         // the child's fds 0, 1, 2, ...
  bool new_session = false;                     // setsid: out of our session and process group
  bool new_process_group = false;               // a process group of its own
};

// Starts the program (posix_spawn: vfork-fast even from a large process) and returns its pid;
// the caller reaps it or hands that on.
Result<pid_t> Spawn(const SpawnOptions& opts);

// Decodes a waitpid status into a shell-style exit code (128+sig for signals).
int DecodeWaitStatus(int status);

}  // namespace gantry
