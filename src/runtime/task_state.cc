#include "runtime/task_state.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/json_util.h"

namespace gantry::runtime {

namespace json = boost::json;

namespace task_paths {
std::string Spec(const std::string& dir) { return dir + "/spec.json"; }
std::string Bundles(const std::string& dir) { return dir + "/bundles"; }
std::string Bundle(const std::string& dir, const std::string& c) { return dir + "/bundles/" + c; }
std::string PidFile(const std::string& dir, const std::string& c) {
  return dir + "/bundles/" + c + "/init.pid";
}
std::string LogDir(const TaskSpec& task) {
  return task.log_dir.empty() ? task.dir + "/logs" : task.log_dir;
}
std::string Log(const TaskSpec& task, const std::string& c) { return LogDir(task) + "/" + c + ".log"; }
std::string Status(const std::string& dir, const std::string& c) {
  return dir + "/status/" + c + ".json";
}
std::string ShimPid(const std::string& dir) { return dir + "/shim.pid"; }
std::string ShimLog(const std::string& dir) { return dir + "/shim.log"; }
std::string ShimDone(const std::string& dir) { return dir + "/shim.done"; }
std::string StopRequested(const std::string& dir) { return dir + "/stop_requested"; }
std::string Error(const std::string& dir) { return dir + "/error"; }
std::string Netns(const std::string& dir) { return dir + "/netns"; }
}  // namespace task_paths

std::vector<std::string> RuntimeCommand(const std::string& binary, const std::string& root,
                                        std::initializer_list<std::string> args) {
  std::vector<std::string> argv{binary};
  if (!root.empty()) argv.insert(argv.end(), {"--root", root});
  argv.insert(argv.end(), args);
  return argv;
}

std::string ContainerId(const std::string& task_id, const std::string& container) {
  return "gantry-" + task_id + "-" + container;
}

std::string CgroupRelPath(const std::string& parent, const std::string& task_id,
                          const std::string& container) {
  std::string p = "/" + parent + "/" + task_id;
  if (!container.empty()) p += "/" + container;
  return p;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

json::array ToJson(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

template <typename T>
Result<void> ReadInto(const Result<std::optional<T>>& r, T& out) {
  if (!r.ok()) return r.error();
  if (*r) out = **r;
  return Ok();
}

Result<ContainerSpec> ParseContainer(const json::object& o, const std::string& path) {
  ContainerSpec c;
  GANTRY_TRY(ReadInto(GetString(o, "name", path), c.name));
  GANTRY_TRY(ReadInto(GetStringList(o, "args", path), c.args));
  GANTRY_TRY(ReadInto(GetStringList(o, "env", path), c.env));
  GANTRY_TRY(ReadInto(GetString(o, "cwd", path), c.cwd));
  GANTRY_TRY(ReadInto(GetString(o, "user", path), c.user));
  GANTRY_TRY(ReadInto(GetString(o, "rootfs", path), c.rootfs));
  GANTRY_TRY(ReadInto(GetInt(o, "cpu_shares", path), c.cpu_shares));
  GANTRY_TRY(ReadInto(GetInt(o, "memory_limit_bytes", path), c.memory_limit_bytes));
  GANTRY_TRY(ReadInto(GetInt(o, "memory_reservation_bytes", path), c.memory_reservation_bytes));
  GANTRY_TRY(ReadInto(GetInt(o, "pids_limit", path), c.pids_limit));
  GANTRY_TRY(ReadInto(GetBool(o, "essential", path), c.essential));
  int64_t stop_timeout = c.stop_timeout_s;
  GANTRY_TRY(ReadInto(GetInt(o, "stop_timeout_s", path), stop_timeout));
  c.stop_timeout_s = static_cast<int>(stop_timeout);
  GANTRY_TRY(ReadInto(GetString(o, "hostname", path), c.hostname));
  GANTRY_TRY(ReadInto(GetStringList(o, "overlay_lowers", path), c.overlay_lowers));
  GANTRY_TRY(ReadInto(GetString(o, "overlay_dir", path), c.overlay_dir));
  GANTRY_ASSIGN_OR_RETURN(const json::array* mounts, GetArray(o, "mounts", path));
  if (mounts) {
    for (const auto& m : *mounts) {
      if (!m.is_object())
        return MakeError(ErrorCode::kInvalidArgument, "{}.mounts[]: not an object", path);
      BindMount b;
      const std::string mp = path + ".mounts[]";
      GANTRY_TRY(ReadInto(GetString(m.get_object(), "source", mp), b.source));
      GANTRY_TRY(ReadInto(GetString(m.get_object(), "destination", mp), b.destination));
      GANTRY_TRY(ReadInto(GetBool(m.get_object(), "readonly", mp), b.readonly));
      c.mounts.push_back(std::move(b));
    }
  }
  if (c.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "{}.name is empty", path);
  return c;
}

}  // namespace

std::string SerializeShimConfig(const ShimConfig& cfg) {
  json::array containers;
  for (const auto& c : cfg.task.containers) {
    containers.emplace_back(json::object{
        {"name", c.name},
        {"args", ToJson(c.args)},
        {"env", ToJson(c.env)},
        {"cwd", c.cwd},
        {"user", c.user},
        {"rootfs", c.rootfs},
        {"cpu_shares", c.cpu_shares},
        {"memory_limit_bytes", c.memory_limit_bytes},
        {"memory_reservation_bytes", c.memory_reservation_bytes},
        {"pids_limit", c.pids_limit},
        {"essential", c.essential},
        {"stop_timeout_s", c.stop_timeout_s},
        {"hostname", c.hostname},
    });
    json::object& co = containers.back().as_object();
    if (!c.overlay_lowers.empty()) {
      co["overlay_lowers"] = ToJson(c.overlay_lowers);
      co["overlay_dir"] = c.overlay_dir;
    }
    if (!c.mounts.empty()) {
      json::array mounts;
      for (const auto& m : c.mounts)
        mounts.emplace_back(json::object{
            {"source", m.source}, {"destination", m.destination}, {"readonly", m.readonly}});
      co["mounts"] = std::move(mounts);
    }
  }
  json::object o{
      {"task_id", cfg.task.task_id},           {"dir", cfg.task.dir},
      {"netns_path", cfg.task.netns_path},     {"cpu_units", cfg.task.cpu_units},
      {"memory_bytes", cfg.task.memory_bytes}, {"containers", std::move(containers)},
      {"runtime_binary", cfg.runtime_binary},  {"cgroup_parent", cfg.cgroup_parent},
  };
  if (!cfg.task.log_dir.empty()) o["log_dir"] = cfg.task.log_dir;
  if (!cfg.runtime_root.empty()) o["runtime_root"] = cfg.runtime_root;
  if (cfg.nofile_limit) o["nofile_limit"] = cfg.nofile_limit;
  if (!cfg.hidden_host_mounts.empty()) o["hidden_host_mounts"] = ToJson(cfg.hidden_host_mounts);
  return json::serialize(o);
}

Result<ShimConfig> ParseShimConfig(std::string_view text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInvalidArgument, "spec: not an object");
  const auto& o = v.get_object();
  ShimConfig cfg;
  GANTRY_TRY(ReadInto(GetString(o, "task_id", "spec"), cfg.task.task_id));
  GANTRY_TRY(ReadInto(GetString(o, "dir", "spec"), cfg.task.dir));
  GANTRY_TRY(ReadInto(GetString(o, "netns_path", "spec"), cfg.task.netns_path));
  GANTRY_TRY(ReadInto(GetInt(o, "cpu_units", "spec"), cfg.task.cpu_units));
  GANTRY_TRY(ReadInto(GetInt(o, "memory_bytes", "spec"), cfg.task.memory_bytes));
  GANTRY_TRY(ReadInto(GetString(o, "runtime_binary", "spec"), cfg.runtime_binary));
  GANTRY_TRY(ReadInto(GetString(o, "cgroup_parent", "spec"), cfg.cgroup_parent));
  GANTRY_TRY(ReadInto(GetString(o, "log_dir", "spec"), cfg.task.log_dir));
  GANTRY_TRY(ReadInto(GetString(o, "runtime_root", "spec"), cfg.runtime_root));
  int64_t nofile = 0;
  GANTRY_TRY(ReadInto(GetInt(o, "nofile_limit", "spec"), nofile));
  if (nofile < 0) return MakeError(ErrorCode::kInvalidArgument, "spec.nofile_limit is negative");
  cfg.nofile_limit = static_cast<uint64_t>(nofile);
  GANTRY_TRY(ReadInto(GetStringList(o, "hidden_host_mounts", "spec"), cfg.hidden_host_mounts));
  GANTRY_ASSIGN_OR_RETURN(const json::array* arr, GetArray(o, "containers", "spec"));
  if (arr) {
    for (size_t i = 0; i < arr->size(); ++i) {
      std::string path = fmt::format("spec.containers[{}]", i);
      if (!(*arr)[i].is_object())
        return MakeError(ErrorCode::kInvalidArgument, "{}: not an object", path);
      GANTRY_ASSIGN_OR_RETURN(ContainerSpec c, ParseContainer((*arr)[i].get_object(), path));
      cfg.task.containers.push_back(std::move(c));
    }
  }
  if (cfg.task.task_id.empty())
    return MakeError(ErrorCode::kInvalidArgument, "spec.task_id is empty");
  return cfg;
}

Result<ShimConfig> LoadShimConfig(const std::string& task_dir) {
  GANTRY_ASSIGN_OR_RETURN(std::string text, ReadFile(task_paths::Spec(task_dir)));
  return ParseShimConfig(text);
}

namespace {
std::string_view StateName(ContainerState s) {
  switch (s) {
    case ContainerState::kCreated:
      return "created";
    case ContainerState::kRunning:
      return "running";
    case ContainerState::kExited:
      return "exited";
  }
  return "created";
}
}  // namespace

std::string SerializeContainerRecord(const ContainerRecord& rec) {
  const auto& s = rec.status;
  json::object o{
      {"name", s.name},         {"state", StateName(s.state)}, {"oom_killed", s.oom_killed},
      {"reason", s.reason},     {"started_ms", s.started_ms},  {"finished_ms", s.finished_ms},
      {"deleted", rec.deleted},
  };
  if (s.exit_code) o["exit_code"] = *s.exit_code;
  return json::serialize(o);
}

Result<ContainerRecord> ParseContainerRecord(std::string_view text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInvalidArgument, "status: not an object");
  const auto& o = v.get_object();
  ContainerRecord rec;
  auto& s = rec.status;
  std::string state;
  GANTRY_TRY(ReadInto(GetString(o, "name", "status"), s.name));
  GANTRY_TRY(ReadInto(GetString(o, "state", "status"), state));
  GANTRY_TRY(ReadInto(GetBool(o, "oom_killed", "status"), s.oom_killed));
  GANTRY_TRY(ReadInto(GetString(o, "reason", "status"), s.reason));
  GANTRY_TRY(ReadInto(GetInt(o, "started_ms", "status"), s.started_ms));
  GANTRY_TRY(ReadInto(GetInt(o, "finished_ms", "status"), s.finished_ms));
  GANTRY_TRY(ReadInto(GetBool(o, "deleted", "status"), rec.deleted));
  GANTRY_ASSIGN_OR_RETURN(auto code, GetInt(o, "exit_code", "status"));
  if (code) s.exit_code = static_cast<int>(*code);
  if (state == "running")
    s.state = ContainerState::kRunning;
  else if (state == "exited")
    s.state = ContainerState::kExited;
  else
    s.state = ContainerState::kCreated;
  return rec;
}

Result<ProcessIdentity> IdentifyProcess(pid_t pid) {
  GANTRY_ASSIGN_OR_RETURN(std::string stat, ReadFile(fmt::format("/proc/{}/stat", pid)));
  // Fields after the command name (which may contain spaces and parens): state is field 3,
  // starttime field 22.
  auto rp = stat.rfind(')');
  if (rp == std::string::npos || rp + 2 >= stat.size())
    return MakeError(ErrorCode::kInternal, "/proc/{}/stat: malformed", pid);
  std::string_view rest(stat.data() + rp + 2, stat.size() - rp - 2);
  if (rest[0] == 'Z' || rest[0] == 'X')
    return MakeError(ErrorCode::kNotFound, "process {} is a zombie", pid);
  int field = 3;
  size_t pos = 0;
  while (field < 22) {
    pos = rest.find(' ', pos);
    if (pos == std::string_view::npos)
      return MakeError(ErrorCode::kInternal, "/proc/{}/stat: too few fields", pid);
    ++pos;
    ++field;
  }
  ProcessIdentity id{pid, 0};
  auto end = rest.find(' ', pos);
  std::string_view tok =
      rest.substr(pos, end == std::string_view::npos ? rest.size() - pos : end - pos);
  if (std::from_chars(tok.data(), tok.data() + tok.size(), id.start_time).ec != std::errc())
    return MakeError(ErrorCode::kInternal, "/proc/{}/stat: bad starttime", pid);
  return id;
}

std::string SerializeIdentity(const ProcessIdentity& id) {
  return fmt::format("{} {}\n", id.pid, id.start_time);
}

Result<ProcessIdentity> ParseIdentity(std::string_view text) {
  ProcessIdentity id;
  auto sp = text.find(' ');
  if (sp == std::string_view::npos)
    return MakeError(ErrorCode::kInvalidArgument, "shim.pid: malformed");
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) nl = text.size();
  if (std::from_chars(text.data(), text.data() + sp, id.pid).ec != std::errc() ||
      std::from_chars(text.data() + sp + 1, text.data() + nl, id.start_time).ec != std::errc() ||
      id.pid <= 0)
    return MakeError(ErrorCode::kInvalidArgument, "shim.pid: malformed");
  return id;
}

bool IsAlive(const ProcessIdentity& id) {
  auto now = IdentifyProcess(id.pid);
  return now.ok() && now->start_time == id.start_time;
}

Result<void> SignalIdentified(const ProcessIdentity& id, int sig) {
  // Pin the process with a pidfd first, then check its identity: the signal cannot reach a
  // process that reused the pid.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, id.pid, 0)));
  if (!pidfd.valid()) {
    if (errno == ESRCH) return Ok();
    return ErrnoError(fmt::format("pidfd_open {}", id.pid), errno);
  }
  if (!IsAlive(id)) return Ok();
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) != 0 && errno != ESRCH)
    return ErrnoError(fmt::format("pidfd_send_signal {}", id.pid), errno);
  return Ok();
}

}  // namespace gantry::runtime
