#include "runtime/oci_spec.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <optional>

#include "common/fd.h"
#include "runtime/task_state.h"

namespace gantry::runtime {

namespace json = boost::json;

namespace {

constexpr int64_t kDefaultPidsLimit = 4096;
constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Docker's default capability set (what ECS task definitions are written against), minus
// nothing the host lacks: CAP_SYS_RESOURCE is not in this host's bounding set and is not here.
constexpr const char* kDefaultCaps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

// Syscalls a container has no business making (most also need capabilities it lacks; the
// profile is defence in depth). Everything else is allowed.
constexpr const char* kDeniedSyscalls[] = {
    "add_key",         "bpf",        "delete_module", "finit_module",      "init_module",
    "kexec_file_load", "kexec_load", "keyctl",        "open_by_handle_at", "perf_event_open",
    "request_key",     "swapoff",    "swapon",        "userfaultfd",       "fsopen",
    "fsmount",         "move_mount", "open_tree",     "pivot_root",        "acct",
};

Result<std::string> ReadInRoot(const std::string& rootfs, const char* rel) {
  Fd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError("open rootfs " + rootfs, errno);
  struct open_how how {};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  Fd fd(static_cast<int>(::syscall(SYS_openat2, root.get(), rel, &how, sizeof how)));
  if (!fd.valid()) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "{}/{}: no such file", rootfs, rel);
    return ErrnoError(fmt::format("open {}/{}", rootfs, rel), errno);
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(fmt::format("read {}/{}", rootfs, rel), errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (16u << 20))
      return MakeError(ErrorCode::kInvalidArgument, "{}/{}: too large", rootfs, rel);
  }
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> f;
  size_t pos = 0;
  for (;;) {
    size_t c = line.find(':', pos);
    f.push_back(line.substr(pos, c == std::string_view::npos ? line.size() - pos : c - pos));
    if (c == std::string_view::npos) break;
    pos = c + 1;
  }
  return f;
}

template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line[0] != '#') f(line);
    pos = nl + 1;
  }
}

std::optional<uint32_t> ParseId(std::string_view s) {
  uint32_t v = 0;
  if (s.empty()) return std::nullopt;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object Mount(const char* dest, const char* type, const char* source,
                   std::initializer_list<const char*> options) {
  json::array opts;
  for (const char* o : options) opts.emplace_back(o);
  return json::object{
      {"destination", dest}, {"type", type}, {"source", source}, {"options", std::move(opts)}};
}

bool HasEnv(const std::vector<std::string>& env, std::string_view key) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& e) {
    return e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=';
  });
}

}  // namespace

Result<ResolvedUser> ResolveUser(const std::string& rootfs, const std::string& user) {
  ResolvedUser out;
  std::string_view u = user, g;
  bool has_group = false;
  if (auto c = u.find(':'); c != std::string_view::npos) {
    g = u.substr(c + 1);
    u = u.substr(0, c);
    has_group = true;
  }
  if (u.empty()) u = "0";
  auto numeric_uid = ParseId(u);

  // passwd: name:x:uid:gid:gecos:home:shell
  auto passwd = ReadInRoot(rootfs, "/etc/passwd");
  bool found = false;
  std::string user_name;
  if (passwd.ok()) {
    ForEachLine(*passwd, [&](std::string_view line) {
      if (found) return;
      auto f = SplitFields(line);
      if (f.size() < 7) return;
      auto uid = ParseId(f[2]);
      auto gid = ParseId(f[3]);
      if (!uid || !gid) return;
      if (numeric_uid ? *uid == *numeric_uid : f[0] == u) {
        found = true;
        out.uid = *uid;
        out.gid = *gid;
        out.home = std::string(f[5].empty() ? "/" : f[5]);
        user_name = std::string(f[0]);
      }
    });
  }
  if (!found) {
    if (!numeric_uid)
      return MakeError(ErrorCode::kInvalidArgument, "user '{}' not found in {}/etc/passwd", u,
                       rootfs);
    out.uid = *numeric_uid;
    out.gid = 0;  // home keeps its "/" default
  }

  std::string group_text;
  if (auto grp = ReadInRoot(rootfs, "/etc/group"); grp.ok()) group_text = std::move(*grp);
  if (has_group && !g.empty()) {
    if (auto gid = ParseId(g)) {
      out.gid = *gid;
    } else {
      bool gfound = false;
      ForEachLine(group_text, [&](std::string_view line) {
        auto f = SplitFields(line);
        if (!gfound && f.size() >= 3 && f[0] == g) {
          if (auto gid = ParseId(f[2])) {
            out.gid = *gid;
            gfound = true;
          }
        }
      });
      if (!gfound)
        return MakeError(ErrorCode::kInvalidArgument, "group '{}' not found in {}/etc/group", g,
                         rootfs);
    }
  } else if (!user_name.empty()) {
    // Supplementary groups from membership lists, as docker does when no group is given.
    ForEachLine(group_text, [&](std::string_view line) {
      auto f = SplitFields(line);
      if (f.size() < 4) return;
      auto gid = ParseId(f[2]);
      if (!gid || *gid == out.gid) return;
      std::string_view members = f[3];
      size_t pos = 0;
      while (pos <= members.size()) {
        size_t c = members.find(',', pos);
        if (c == std::string_view::npos) c = members.size();
        if (members.substr(pos, c - pos) == user_name) {
          out.additional_gids.push_back(*gid);
          break;
        }
        pos = c + 1;
      }
    });
  }
  return out;
}

Result<json::object> BuildOciConfig(const TaskSpec& task, const ContainerSpec& c,
                                    const OciOptions& opts) {
  if (c.args.empty())
    return MakeError(ErrorCode::kInvalidArgument, "container {}: empty args", c.name);
  if (c.rootfs.empty())
    return MakeError(ErrorCode::kInvalidArgument, "container {}: empty rootfs", c.name);
  GANTRY_ASSIGN_OR_RETURN(ResolvedUser user, ResolveUser(c.rootfs, c.user));

  std::vector<std::string> env = c.env;
  if (!HasEnv(env, "PATH")) env.emplace_back(kDefaultPath);
  if (!HasEnv(env, "HOME")) env.push_back("HOME=" + user.home);

  json::object user_obj{{"uid", user.uid}, {"gid", user.gid}};
  if (!user.additional_gids.empty()) {
    json::array gids;
    for (auto g : user.additional_gids) gids.emplace_back(g);
    user_obj["additionalGids"] = std::move(gids);
  }

  json::array caps;
  for (const char* cap : kDefaultCaps) caps.emplace_back(cap);
  json::object capabilities{{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  // Only root keeps effective caps across exec without ambient caps; that matches docker.

  json::object process{
      {"terminal", false},
      {"user", std::move(user_obj)},
      {"args", Strings(c.args)},
      {"env", Strings(env)},
      {"cwd", c.cwd.empty() ? "/" : c.cwd},
      {"capabilities", std::move(capabilities)},
      {"rlimits",
       json::array{json::object{
           {"type", "RLIMIT_NOFILE"}, {"hard", opts.nofile_limit}, {"soft", opts.nofile_limit}}}},
      {"noNewPrivileges", true},
  };

  json::array mounts{
      Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  };
  for (const auto& m : c.mounts) {
    json::array o{"rbind", "nosuid", "nodev"};
    if (m.readonly) o.emplace_back("ro");
    mounts.emplace_back(json::object{{"destination", m.destination},
                                     {"type", "bind"},
                                     {"source", m.source},
                                     {"options", std::move(o)}});
  }

  json::array namespaces{json::object{{"type", "pid"}}, json::object{{"type", "ipc"}},
                         json::object{{"type", "uts"}}, json::object{{"type", "mount"}}};
  if (!task.netns_path.empty())
    namespaces.emplace_back(json::object{{"type", "network"}, {"path", task.netns_path}});

  json::object resources{
      {"devices", json::array{json::object{{"allow", false}, {"access", "rwm"}}}},
      {"pids", json::object{{"limit", c.pids_limit > 0 ? c.pids_limit : kDefaultPidsLimit}}},
  };
  if (c.cpu_shares > 0)
    resources["cpu"] = json::object{{"shares", std::max<int64_t>(2, c.cpu_shares)}};
  json::object memory;
  if (c.memory_limit_bytes > 0) memory["limit"] = c.memory_limit_bytes;
  if (c.memory_reservation_bytes > 0) memory["reservation"] = c.memory_reservation_bytes;
  if (!memory.empty()) resources["memory"] = std::move(memory);

  json::object linux_obj{
      {"resources", std::move(resources)},
      {"cgroupsPath", CgroupRelPath(opts.cgroup_parent, task.task_id, c.name)},
      {"namespaces", std::move(namespaces)},
      {"maskedPaths", json::array{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                  "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
      {"readonlyPaths",
       json::array{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
  if (opts.seccomp) {
    json::array names;
    for (const char* s : kDeniedSyscalls) names.emplace_back(s);
    linux_obj["seccomp"] = json::object {
      {"defaultAction", "SCMP_ACT_ALLOW"},
#if defined(__x86_64__)
          {"architectures", json::array{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
#elif defined(__aarch64__)
          {"architectures", json::array{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
#endif
          {"syscalls",
           json::array{json::object{
               {"names", std::move(names)}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}},
    };
  }

  std::string hostname = c.hostname;
  if (hostname.empty()) hostname = task.task_id.substr(0, 12);

  return json::object{
      {"ociVersion", "1.0.2"},
      {"process", std::move(process)},
      {"root", json::object{{"path", c.rootfs}, {"readonly", false}}},
      {"hostname", hostname},
      {"mounts", std::move(mounts)},
      {"linux", std::move(linux_obj)},
  };
}

}  // namespace gantry::runtime
