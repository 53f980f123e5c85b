#include "runtime/task_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <thread>
#include <vector>

#include "common/fd.h"
#include "common/file_util.h"
#include "runtime/task_state.h"

namespace gantry::runtime {

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr int64_t kCfsPeriodUs = 100000;

Result<void> WriteCgroupFile(const std::string& path, std::string_view value) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("open " + path, errno);
  if (::write(fd.get(), value.data(), value.size()) < 0)
    return ErrnoError(fmt::format("write '{}' to {}", value, path), errno);
  return Ok();
}

Result<void> MkdirOne(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return ErrnoError("mkdir " + path, errno);
  return Ok();
}

// Reads "<key> <n>" from a flat keyed cgroup file.
int64_t ReadKeyedCounter(const std::string& path, std::string_view key) {
  auto text = ReadFile(path);
  if (!text.ok()) return 0;
  std::string_view s = *text;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    std::string_view line = s.substr(pos, nl - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      int64_t v = 0;
      auto num = line.substr(key.size() + 1);
      std::from_chars(num.data(), num.data() + num.size(), v);
      return v;
    }
    pos = nl + 1;
  }
  return 0;
}

// rmdir of a cgroup directory and its sub-cgroups, leaf first. ENOENT is success.
Result<void> RemoveCgroupDir(const std::string& path) {
  if (DIR* d = ::opendir(path.c_str())) {
    std::vector<std::string> children;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (e->d_type == DT_DIR && n != "." && n != "..") children.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& c : children) GANTRY_TRY(RemoveCgroupDir(path + "/" + c));
  } else if (errno == ENOENT) {
    return Ok();
  }
  // A cgroup stays busy for a moment after its last process exited (or is being killed).
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return Ok();
    if (errno != EBUSY || attempt >= 200) return ErrnoError("rmdir " + path, errno);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// A path component we create or remove under /sys/fs/cgroup: never empty, never "." or "..",
// never a separator (an empty task id must not turn a removal into "the whole parent").
Result<void> CheckComponent(std::string_view what, const std::string& s) {
  if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos)
    return MakeError(ErrorCode::kInvalidArgument, "invalid cgroup {} '{}'", what, s);
  return Ok();
}

}  // namespace

CgroupMode DetectCgroupMode() {
  static const CgroupMode mode = [] {
    struct statfs fs;
    if (::statfs(kCgroupRoot, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return CgroupMode::kV2;
    return CgroupMode::kV1;
  }();
  return mode;
}

int64_t CfsQuotaUs(int64_t cpu_units) {
  return std::max<int64_t>(1000, cpu_units * kCfsPeriodUs / 1024);
}

Result<void> CreateTaskCgroup(const std::string& parent, const std::string& task_id,
                              const TaskCgroupLimits& limits) {
  GANTRY_TRY(CheckComponent("parent", parent));
  GANTRY_TRY(CheckComponent("task id", task_id));
  const std::string rel = CgroupRelPath(parent, task_id);
  const std::string root = kCgroupRoot;
  if (DetectCgroupMode() == CgroupMode::kV2) {
    // Controllers must be enabled top-down so the task and its containers can use them.
    GANTRY_TRY(MkdirOne(root + "/" + parent));
    GANTRY_TRY(MkdirOne(root + rel));
    for (const std::string& dir : {root, root + "/" + parent, root + rel}) {
      (void)WriteCgroupFile(dir + "/cgroup.subtree_control", "+cpu +memory +pids");
    }
    if (limits.cpu_units > 0) GANTRY_TRY(SetTaskCpuLimit(parent, task_id, limits.cpu_units));
    if (limits.memory_bytes > 0) {
      GANTRY_TRY(WriteCgroupFile(root + rel + "/memory.max", std::to_string(limits.memory_bytes)));
    }
    return Ok();
  }
  // v1: only the hierarchies that carry a task-level limit need the task directory up front;
  // the OCI runtime creates the rest of the path when it creates the container's cgroup.
  if (limits.cpu_units > 0) GANTRY_TRY(SetTaskCpuLimit(parent, task_id, limits.cpu_units));
  if (limits.memory_bytes > 0) {
    const std::string dir = root + "/memory" + rel;
    GANTRY_TRY(MakeDirs(dir));
    GANTRY_TRY(
        WriteCgroupFile(dir + "/memory.limit_in_bytes", std::to_string(limits.memory_bytes)));
  }
  return Ok();
}

Result<void> SetTaskCpuLimit(const std::string& parent, const std::string& task_id,
                             int64_t cpu_units) {
  GANTRY_TRY(CheckComponent("parent", parent));
  GANTRY_TRY(CheckComponent("task id", task_id));
  if (cpu_units <= 0) return Ok();
  const std::string rel = CgroupRelPath(parent, task_id);
  if (DetectCgroupMode() == CgroupMode::kV2) {
    return WriteCgroupFile(std::string(kCgroupRoot) + rel + "/cpu.max",
                           fmt::format("{} {}", CfsQuotaUs(cpu_units), kCfsPeriodUs));
  }
  const std::string dir = std::string(kCgroupRoot) + "/cpu" + rel;
  GANTRY_TRY(MakeDirs(dir));
  GANTRY_TRY(WriteCgroupFile(dir + "/cpu.cfs_period_us", std::to_string(kCfsPeriodUs)));
  return WriteCgroupFile(dir + "/cpu.cfs_quota_us", std::to_string(CfsQuotaUs(cpu_units)));
}

Result<void> RemoveTaskCgroup(const std::string& parent, const std::string& task_id) {
  GANTRY_TRY(CheckComponent("parent", parent));
  GANTRY_TRY(CheckComponent("task id", task_id));
  const std::string rel = CgroupRelPath(parent, task_id);
  if (DetectCgroupMode() == CgroupMode::kV2) return RemoveCgroupDir(kCgroupRoot + rel);
  // Every mounted hierarchy (skipping the cpu -> cpu,cpuacct style symlinks), including the
  // unified tree of a hybrid host where the runtime mirrors the container's path.
  DIR* d = ::opendir(kCgroupRoot);
  if (!d) return ErrnoError(std::string("opendir ") + kCgroupRoot, errno);
  std::vector<std::string> hierarchies;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (e->d_type == DT_DIR && n != "." && n != "..") hierarchies.emplace_back(n);
  }
  ::closedir(d);
  Result<void> result = Ok();
  for (const auto& h : hierarchies) {
    auto r = RemoveCgroupDir(std::string(kCgroupRoot) + "/" + h + rel);
    if (!r.ok()) result = r;
  }
  return result;
}

int64_t ReadOomKillCount(const std::string& parent, const std::string& task_id,
                         const std::string& container) {
  if (!CheckComponent("parent", parent).ok() || !CheckComponent("task id", task_id).ok() ||
      !CheckComponent("container", container).ok())
    return 0;
  const std::string rel = CgroupRelPath(parent, task_id, container);
  if (DetectCgroupMode() == CgroupMode::kV2)
    return ReadKeyedCounter(kCgroupRoot + rel + "/memory.events", "oom_kill");
  return ReadKeyedCounter(std::string(kCgroupRoot) + "/memory" + rel + "/memory.oom_control",
                          "oom_kill");
}

}  // namespace gantry::runtime
