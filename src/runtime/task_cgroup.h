// Task-level cgroups: creates <controller>/<parent>/<task_id> with the task's CPU quota and memory
// limit (the OCI runtime creates the per-container leaves below it), reads OOM-kill counters, and
// removes the task's cgroup subtree in every hierarchy. Handles cgroup v1/hybrid and v2.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace gantry::runtime {

enum class CgroupMode { kV1, kV2 };

// statfs(/sys/fs/cgroup): CGROUP2_SUPER_MAGIC means unified (v2); anything else v1/hybrid.
CgroupMode DetectCgroupMode();

struct TaskCgroupLimits {
  int64_t cpu_units = 0;     // 1024 = 1 vCPU -> CFS quota over a 100 ms period; 0 = none
  int64_t memory_bytes = 0;  // hard limit; 0 = none
};

// CFS quota in microseconds for a 100000 us period (at least 1000 us, the kernel minimum).
int64_t CfsQuotaUs(int64_t cpu_units);

Result<void> CreateTaskCgroup(const std::string& parent, const std::string& task_id,
                              const TaskCgroupLimits& limits);

// Writes the task's CFS quota (creating the task directory in the cpu hierarchy if needed).
// The shim calls it once the containers are started, so the OCI runtime's container setup is
// not throttled by a small task quota (cpu 16 = 1.5 ms per 100 ms would stretch a 30 ms start
// to 100+ ms); the limit applies to the workload from the moment the task is reported running.
Result<void> SetTaskCpuLimit(const std::string& parent, const std::string& task_id,
                             int64_t cpu_units);

// Removes <hierarchy>/<parent>/<task_id> and every directory below it, leaf first, in every
// hierarchy. Retries briefly on EBUSY (processes still exiting). Idempotent; `parent` stays.
Result<void> RemoveTaskCgroup(const std::string& parent, const std::string& task_id);

// The number of OOM kills recorded for a container's cgroup (0 when it cannot be read).
int64_t ReadOomKillCount(const std::string& parent, const std::string& task_id,
                         const std::string& container);

}  // namespace gantry::runtime
