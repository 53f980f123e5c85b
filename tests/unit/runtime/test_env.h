// Test scaffolding for the runtime tests: a busybox rootfs, task specs, polling helpers and the
// leftover checks every integration-style test ends with.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace gantry::runtime::testing {

// A per-process scratch dir with a busybox rootfs (built once, shared read-mostly).
const std::string& ScratchDir();
const std::string& BusyboxRootfs();  // "" when /bin/busybox is missing
std::string ShimBinary();            // resolved /proc/self/exe
bool HaveBinary(const std::string& name);

TaskSpec MakeTask(const std::vector<std::vector<std::string>>& container_args);

Result<TaskStatus> WaitFinished(Runtime& rt, const std::string& dir,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Polls until every container is running (or the deadline passes).
Result<TaskStatus> WaitRunning(Runtime& rt, const std::string& dir,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string ReadAll(const std::string& path);

// Returns a description of whatever the task left behind (runtime state, cgroups, shim,
// mounts, task dir); empty when clean.
std::string Leftovers(const std::string& runtime_binary, const TaskSpec& spec, pid_t shim_pid);

}  // namespace gantry::runtime::testing
