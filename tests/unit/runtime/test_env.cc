#include "test_env.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/file_util.h"
#include "common/ids.h"
#include "common/process.h"
#include "runtime/task_state.h"

namespace gantry::runtime::testing {

namespace fs = std::filesystem;

const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string d = fmt::format("/tmp/gantry-runtime-test-{}", ::getpid());
    fs::create_directories(d);
    // Removed at exit; only ever holds what this process created.
    std::atexit([] { (void)RemoveTree(fmt::format("/tmp/gantry-runtime-test-{}", ::getpid())); });
    return d;
  }();
  return dir;
}

const std::string& BusyboxRootfs() {
  static const std::string root = []() -> std::string {
    if (!fs::exists("/bin/busybox")) return "";
    std::string r = ScratchDir() + "/rootfs";
    for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "home/app", "root"})
      fs::create_directories(r + "/" + d);
    fs::copy_file("/bin/busybox", r + "/bin/busybox", fs::copy_options::overwrite_existing);
    auto list = RunProcess({.argv = {"/bin/busybox", "--list"}});
    if (!list.ok()) return "";
    size_t pos = 0;
    const std::string& out = list->out;
    while (pos < out.size()) {
      size_t nl = out.find('\n', pos);
      if (nl == std::string::npos) nl = out.size();
      std::string applet = out.substr(pos, nl - pos);
      pos = nl + 1;
      if (applet.empty() || applet == "busybox") continue;
      std::error_code ec;
      fs::create_symlink("busybox", r + "/bin/" + applet, ec);
    }
    std::ofstream(r + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                        "app:x:1000:1000:app:/home/app:/bin/sh\n"
                                        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    std::ofstream(r + "/etc/group") << "root:x:0:\napp:x:1000:\nextra:x:2000:other,app\n"
                                       "nogroup:x:65534:\n";
    ::chmod((r + "/tmp").c_str(), 01777);
    return r;
  }();
  return root;
}

std::string ShimBinary() { return fs::read_symlink("/proc/self/exe").string(); }

bool HaveBinary(const std::string& name) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/local/bin/"})
    if (::access((std::string(dir) + name).c_str(), X_OK) == 0) return true;
  return false;
}

TaskSpec MakeTask(const std::vector<std::vector<std::string>>& container_args) {
  TaskSpec t;
  t.task_id = "t" + RandomHex(15);
  t.dir = ScratchDir() + "/tasks/" + t.task_id;
  int i = 0;
  for (const auto& args : container_args) {
    ContainerSpec c;
    c.name = i == 0 ? "main" : fmt::format("c{}", i);
    c.args = args;
    c.rootfs = BusyboxRootfs();
    c.stop_timeout_s = 2;
    t.containers.push_back(std::move(c));
    ++i;
  }
  return t;
}

namespace {
template <typename Pred>
Result<TaskStatus> Poll(Runtime& rt, const std::string& dir, std::chrono::milliseconds timeout,
                        Pred pred, const char* what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto st = rt.Status(dir);
    if (!st.ok()) return st;
    if (pred(*st)) return st;
    if (std::chrono::steady_clock::now() > deadline)
      return MakeError(ErrorCode::kUnavailable, "{}: not {} after {} ms", dir, what,
                       timeout.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
}  // namespace

Result<TaskStatus> WaitFinished(Runtime& rt, const std::string& dir,
                                std::chrono::milliseconds timeout) {
  return Poll(
      rt, dir, timeout, [](const TaskStatus& s) { return s.finished; }, "finished");
}

Result<TaskStatus> WaitRunning(Runtime& rt, const std::string& dir,
                               std::chrono::milliseconds timeout) {
  return Poll(
      rt, dir, timeout,
      [](const TaskStatus& s) {
        for (const auto& c : s.containers)
          if (c.state != ContainerState::kRunning) return false;
        return true;
      },
      "running");
}

std::string ReadAll(const std::string& path) {
  auto r = ReadFile(path);
  return r.ok() ? *r : std::string();
}

std::string Leftovers(const std::string& runtime_binary, const TaskSpec& spec, pid_t shim_pid) {
  std::string out;
  auto list = RunProcess({.argv = {runtime_binary, "list", "-q"}});
  if (list.ok() && list->out.find("gantry-" + spec.task_id) != std::string::npos)
    out += runtime_binary + " list still shows the task's containers; ";
  if (DIR* d = ::opendir("/sys/fs/cgroup")) {
    while (struct dirent* e = ::readdir(d)) {
      std::string p = std::string("/sys/fs/cgroup/") + e->d_name + "/gantry/" + spec.task_id;
      if (e->d_name[0] != '.' && fs::exists(p)) out += "cgroup " + p + "; ";
    }
    ::closedir(d);
  }
  if (fs::exists("/sys/fs/cgroup/gantry/" + spec.task_id)) out += "v2 cgroup left; ";
  if (shim_pid > 0) {
    auto id = IdentifyProcess(shim_pid);
    // A shim zombie waiting for PID 1 to reap it is gone as far as we are concerned.
    if (id.ok()) {
      std::string cmd = ReadAll(fmt::format("/proc/{}/cmdline", shim_pid));
      if (cmd.find(spec.dir) != std::string::npos) out += fmt::format("shim {} alive; ", shim_pid);
    }
  }
  if (ReadAll("/proc/self/mountinfo").find(spec.dir) != std::string::npos)
    out += "mounts under task dir; ";
  if (fs::exists(spec.dir)) out += "task dir exists; ";
  return out;
}

}  // namespace gantry::runtime::testing
