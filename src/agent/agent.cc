#include "agent/agent.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "agent/container_config.h"
#include "network/task_files.h"
#include "common/file_util.h"
#include "common/json_util.h"

namespace gantry::agent {

namespace json = boost::json;
using model::Task;
namespace st = model::status;

struct Agent::LocalTask {
  enum class Phase { kLaunching, kRunning, kTearingDown };
  std::string id;
  Phase phase = Phase::kLaunching;
  Task task;                 // latest assignment (guarded by Agent::mu_)
  bool busy = false;         // a worker owns it right now
  bool stop_sent = false;
  bool running_reported = false;
  bool launch_failed = false;
  std::string failure_reason;
  std::string network_mode = "awsvpc";
  std::map<std::string, std::string> rootfs;  // container -> rootfs dir
  std::map<std::string, std::pair<std::string, std::string>> log_targets;  // -> group, stream
  std::map<std::string, int64_t> log_offsets;
  std::set<std::string> exit_reported;
  std::chrono::steady_clock::time_point next_poll{};
  std::vector<int> watches;  // inotify watch descriptors (guarded by Agent::mu_)
  bool health_watched = false;
  std::map<std::string, ContainerHealthInput> health;  // per container
  std::chrono::steady_clock::time_point assigned{};  // when the assignment was seen (timing)
};

namespace {
using SteadyClock = std::chrono::steady_clock;
double MsBetween(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
const char* PhaseName(int p) {
  static const char* k[] = {"launching", "running", "tearing-down"};
  return k[p];
}
}  // namespace

// ---------------------------------------------------------------- agent

Agent::Agent(AgentOptions opts, ControlPlane& cp, image::ImageStore& images,
             runtime::Runtime& runtime, TaskNetwork& network, const Clock& clock)
    : opts_(std::move(opts)), cp_(cp), images_(images), runtime_(runtime), network_(network),
      clock_(clock),
      health_(std::make_unique<HealthChecker>(runtime, clock, 2)) {}

Agent::~Agent() {
  Stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void Agent::WatchTaskFiles(LocalTask& lt) {
  if (inotify_fd_ < 0) return;
  const uint32_t files = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR;
  std::vector<int> wds;
  for (const auto& [dir, mask] : {std::pair{TaskDir(lt.id), files},
                                  std::pair{TaskDir(lt.id) + "/status", files},
                                  std::pair{LogDir(lt.id), uint32_t{IN_MODIFY | IN_ONLYDIR}}}) {
    int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), mask);
    if (wd >= 0) wds.push_back(wd);
  }
  std::lock_guard lock(mu_);
  for (int wd : wds) {
    watch_owner_[wd] = lt.id;
    lt.watches.push_back(wd);
  }
  lt.next_poll = {};  // once right away: what happened before the watches existed
}

void Agent::UnwatchTaskFiles(LocalTask& lt) {
  std::lock_guard lock(mu_);
  for (int wd : lt.watches) {
    if (inotify_fd_ >= 0) (void)::inotify_rm_watch(inotify_fd_, wd);
    watch_owner_.erase(wd);
  }
  lt.watches.clear();
}

void Agent::DrainFileEvents() {
  if (inotify_fd_ < 0) return;
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: drained
    std::lock_guard lock(mu_);
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        for (auto& [id, lt] : tasks_) lt->next_poll = {};
        continue;
      }
      auto it = watch_owner_.find(ev->wd);
      if (it == watch_owner_.end()) continue;
      if (auto t = tasks_.find(it->second); t != tasks_.end()) t->second->next_poll = {};
      if (ev->mask & IN_IGNORED) watch_owner_.erase(it);  // its dir is gone
    }
  }
}

namespace {

// Marks dir as the top of unrelated subtrees (chattr +T) so ext4's Orlov allocator spreads its
// subdirectories, one per task, over the block groups instead of packing them into the parent's.
// Task dirs are created and removed all the time; packed together, every new inode in the group
// is found only after skipping the inodes freed there recently (ext4 without a journal does that
// for minutes), which made overlay mounts and writes into a fresh upper dir slower with every
// burst. Best effort: other filesystems do not have the flag.
void SpreadSubdirs(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  int flags = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
    flags |= FS_TOPDIR_FL;
    (void)::ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  ::close(fd);
}

}  // namespace

const std::string& Agent::RunDir() const {
  return opts_.run_dir.empty() ? opts_.state_dir : opts_.run_dir;
}
std::string Agent::RecordPath(const std::string& id) const {
  return RunDir() + "/records/" + id + ".json";
}
std::string Agent::TaskDir(const std::string& id) const { return RunDir() + "/tasks/" + id; }
std::string Agent::NetFilesDir(const std::string& id) const { return RunDir() + "/net/" + id; }
std::string Agent::LogDir(const std::string& id) const {
  return opts_.state_dir + "/logs/" + id;
}
std::string Agent::RootfsDir(const std::string& id, const std::string& container) const {
  return opts_.state_dir + "/rootfs/" + id + "-" + container;
}

Result<void> Agent::Start() {
  GANTRY_TRY(MakeDirs(RunDir() + "/records"));
  GANTRY_TRY(MakeDirs(RunDir() + "/tasks"));
  GANTRY_TRY(MakeDirs(RunDir() + "/net"));
  GANTRY_TRY(MakeDirs(opts_.state_dir + "/rootfs"));
  GANTRY_TRY(MakeDirs(opts_.state_dir + "/logs"));
  SpreadSubdirs(opts_.state_dir + "/rootfs");
  SpreadSubdirs(opts_.state_dir + "/logs");
  if (inotify_fd_ < 0) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0)
      spdlog::warn("agent: inotify unavailable ({}); polling every task every {} ms",
                   std::strerror(errno), opts_.poll.count());
  }
  model::Node node;
  node.id = opts_.node_id;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  node.hostname = host;
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  node.cpu_units = (cores > 0 ? cores : 1) * 1024;
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  node.memory_mib = static_cast<int64_t>(pages) * page / (1024 * 1024);
  node.registered_at_ms = node.heartbeat_at_ms = clock_.NowMs();
  GANTRY_TRY(cp_.RegisterNode(node));
  AdoptFromDisk();
  {
    // Attachments of tasks this node no longer has a record of (a crash between steps) go now.
    std::set<std::string> live;
    for (const auto& [id, lt] : tasks_) live.insert(id);
    if (auto r = network_.GarbageCollect(live); !r.ok())
      spdlog::warn("agent: network garbage collection: {}", r.error().message);
  }
  stop_ = false;
  for (int i = 0; i < opts_.workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  loop_ = std::thread([this] { Loop(); });
  return Ok();
}

void Agent::Stop() {
  if (stop_.exchange(true)) return;
  qcv_.notify_all();
  if (loop_.joinable()) loop_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void Agent::Enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(qmu_);
    queue_.push_back(std::move(job));
  }
  qcv_.notify_one();
}

void Agent::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(qmu_);
      qcv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

Result<void> Agent::SaveRecord(const LocalTask& lt) {
  json::object rootfs, targets, offsets;
  for (const auto& [c, d] : lt.rootfs) rootfs[c] = d;
  for (const auto& [c, gs] : lt.log_targets) targets[c] = json::array{json::string(gs.first), json::string(gs.second)};
  for (const auto& [c, o] : lt.log_offsets) offsets[c] = o;
  json::array exits;
  for (const auto& c : lt.exit_reported) exits.push_back(json::string(c));
  json::object o{{"id", lt.id},
                 {"phase", static_cast<int>(lt.phase)},
                 {"stopSent", lt.stop_sent},
                 {"runningReported", lt.running_reported},
                 {"networkMode", lt.network_mode},
                 {"rootfs", rootfs},
                 {"logTargets", targets},
                 {"logOffsets", offsets},
                 {"exitReported", exits},
                 {"desiredStatus", lt.task.desired_status}};
  return WriteFileAtomic(RecordPath(lt.id), json::serialize(o));
}

void Agent::AdoptFromDisk() {
  std::string dir = RunDir() + "/records";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> files;
  while (auto* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json") files.push_back(n);
  }
  ::closedir(d);
  for (const auto& f : files) {
    auto text = ReadFile(dir + "/" + f);
    if (!text.ok()) continue;
    auto v = ParseJson(*text);
    if (!v.ok() || !v->is_object()) continue;
    const auto& o = v->as_object();
    auto lt = std::make_shared<LocalTask>();
    lt->id = std::string(o.at("id").as_string());
    int phase = static_cast<int>(o.at("phase").to_number<int64_t>());
    lt->stop_sent = o.at("stopSent").as_bool();
    lt->running_reported = o.at("runningReported").as_bool();
    lt->network_mode = std::string(o.at("networkMode").as_string());
    lt->task.id = lt->id;
    lt->task.desired_status = std::string(o.at("desiredStatus").as_string());
    for (const auto& kv : o.at("rootfs").as_object())
      lt->rootfs[std::string(kv.key())] = std::string(kv.value().as_string());
    for (const auto& kv : o.at("logTargets").as_object()) {
      const auto& a = kv.value().as_array();
      lt->log_targets[std::string(kv.key())] = {std::string(a[0].as_string()),
                                                std::string(a[1].as_string())};
    }
    for (const auto& kv : o.at("logOffsets").as_object())
      lt->log_offsets[std::string(kv.key())] = kv.value().to_number<int64_t>();
    for (const auto& e : o.at("exitReported").as_array())
      lt->exit_reported.insert(std::string(e.as_string()));
    auto status = runtime_.Status(TaskDir(lt->id));
    bool alive = status.ok() && status->shim_alive;
    if (phase == static_cast<int>(LocalTask::Phase::kRunning) ||
        (phase == static_cast<int>(LocalTask::Phase::kLaunching) && alive)) {
      lt->phase = LocalTask::Phase::kRunning;
      WatchTaskFiles(*lt);
      spdlog::info("agent: re-adopted task {} (shim {})", lt->id, alive ? "alive" : "gone");
    } else {
      lt->phase = LocalTask::Phase::kTearingDown;
      if (phase == static_cast<int>(LocalTask::Phase::kLaunching)) {
        lt->launch_failed = true;
        lt->failure_reason = "TaskFailedToStart: the agent restarted while the task was starting";
      }
      lt->busy = true;
      spdlog::info("agent: task {} found {} on disk; tearing down", lt->id, PhaseName(phase));
    }
    std::string id = lt->id;
    bool teardown = lt->phase == LocalTask::Phase::kTearingDown;
    tasks_[id] = std::move(lt);
    if (teardown) Enqueue([this, id] { Teardown(id); });
  }
}

void Agent::Loop() {
  int64_t since = -1;
  while (!stop_) {
    auto batch = cp_.WatchAssignments(opts_.node_id, since, opts_.poll);
    if (!batch.ok()) {
      spdlog::warn("agent: watch assignments: {}", batch.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    since = batch->revision;
    for (const auto& t : batch->tasks) OnAssignment(t);
    DrainFileEvents();

    // Poll running tasks (bounded frequency per task).
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<LocalTask>> due;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, lt] : tasks_) {
        if (lt->busy || lt->phase != LocalTask::Phase::kRunning || now < lt->next_poll) continue;
        lt->next_poll = now + (lt->watches.empty() ? opts_.poll : opts_.idle_poll);
        due.push_back(lt);
      }
    }
    for (auto& lt : due) Poll(*lt);
    HandleHealthChanges();
  }
}

void Agent::OnAssignment(const Task& t) {
  std::shared_ptr<LocalTask> lt;
  bool launch = false, lost = false, stop_now = false, drop = false;
  {
    std::lock_guard lock(mu_);
    if (finished_.count(t.id)) return;
    auto it = tasks_.find(t.id);
    if (it == tasks_.end()) {
      if (t.IsStopped()) return;
      if (t.last_status == st::kPending && t.desired_status == "RUNNING") {
        lt = std::make_shared<LocalTask>();
        lt->id = t.id;
        lt->task = t;
        lt->busy = true;
        lt->assigned = SteadyClock::now();
        tasks_[t.id] = lt;
        launch = true;
      } else if (t.last_status == st::kPending) {
        drop = true;  // stopped before it was launched
      } else {
        lost = true;
      }
    } else {
      lt = it->second;
      std::string keep_desired = lt->task.desired_status;
      lt->task = t;
      if (keep_desired == "STOPPED") lt->task.desired_status = "STOPPED";
      if (t.desired_status == "STOPPED" && lt->phase == LocalTask::Phase::kRunning &&
          !lt->stop_sent && !lt->busy) {
        lt->stop_sent = true;
        stop_now = true;
      }
    }
  }
  if (launch) {
    spdlog::debug("agent: task {} assignment seen {} ms after createdAt", t.id,
                  clock_.NowMs() - t.created_at_ms);
    Enqueue([this, id = t.id] { Launch(id); });
  } else if (drop || lost) {
    services::TaskReport rep;
    rep.task_id = t.id;
    rep.last_status = st::kStopped;
    if (lost) {
      rep.stop_code = model::stop_code::kEssentialContainerExited;
      rep.stopped_reason = "Task lost: this node has no record of its containers";
    }
    auto r = cp_.ReportTask(rep);
    if (!r.ok()) spdlog::warn("agent: report {}: {}", t.id, r.error().message);
    std::lock_guard lock(mu_);
    finished_.insert(t.id);
  } else if (stop_now) {
    auto r = runtime_.Stop(TaskDir(t.id));
    if (!r.ok()) spdlog::warn("agent: stop {}: {}", t.id, r.error().message);
    (void)SaveRecord(*lt);
    services::TaskReport rep;
    rep.task_id = t.id;
    rep.last_status = st::kStopping;
    (void)cp_.ReportTask(rep);
  }
}

void Agent::ReportFailedLaunch(LocalTask& lt, const std::string& reason) {
  spdlog::info("agent: task {} failed to start: {}", lt.id, reason);
  lt.launch_failed = true;
  lt.failure_reason = reason;
  lt.phase = LocalTask::Phase::kTearingDown;
  (void)SaveRecord(lt);
  Teardown(lt.id);
}

void Agent::Launch(const std::string& id) {
  std::shared_ptr<LocalTask> ltp;
  Task task;
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    ltp = it->second;
    task = ltp->task;
  }
  LocalTask& lt = *ltp;
  const auto t_begin = SteadyClock::now();
  int64_t pull_started = clock_.NowMs();
  auto td = cp_.GetTaskDefinition(task.task_definition_arn);
  if (!td.ok()) return ReportFailedLaunch(lt, "TaskFailedToStart: " + td.error().message);
  lt.network_mode = td->network_mode;
  for (const auto& c : task.containers) {
    lt.rootfs[c.name] = RootfsDir(id, c.name);
    lt.log_targets[c.name] = {c.log_group, c.log_stream};
  }
  if (auto r = SaveRecord(lt); !r.ok())
    return ReportFailedLaunch(lt, "TaskFailedToStart: " + r.error().message);

  const auto t_record = SteadyClock::now();

  // Images.
  std::map<std::string, image::ImageInfo> imgs;
  for (const auto& c : task.containers) {
    auto info = images_.Resolve(c.image);
    if (!info.ok())
      return ReportFailedLaunch(
          lt, fmt::format("CannotPullContainerError: pull image manifest for \"{}\": {}", c.image,
                          info.error().message));
    imgs[c.name] = std::move(info).value();
  }
  int64_t pull_stopped = clock_.NowMs();
  const auto t_images = SteadyClock::now();

  // Network, root filesystems, container configs.
  const std::string hostname = id.substr(0, 12);
  auto net = network_.Setup(id, lt.network_mode, PortMappingsFor(*td), hostname);
  if (!net.ok())
    return ReportFailedLaunch(lt, "ResourceInitializationError: " + net.error().message);
  if (auto r = network::WriteTaskNetworkFiles(NetFilesDir(id), *net, hostname); !r.ok())
    return ReportFailedLaunch(lt, "ResourceInitializationError: " + r.error().message);
  const auto t_netns = SteadyClock::now();
  runtime::TaskSpec spec;
  spec.task_id = id;
  spec.dir = TaskDir(id);
  spec.log_dir = LogDir(id);  // on disk: logs grow, the task dir may be on tmpfs
  spec.netns_path = net->netns_path;
  spec.cpu_units = task.cpu;
  spec.memory_bytes = task.memory * 1024 * 1024;
  for (const auto& c : task.containers) {
    const model::ContainerDefinition* def = td->FindContainer(c.name);
    if (!def) return ReportFailedLaunch(lt, "TaskFailedToStart: container " + c.name + " is not in the task definition");
    // The shim mounts the overlay in the task's own mount namespace (runtime.h).
    auto lowers = images_.LayerDirs(imgs[c.name]);
    if (!lowers.ok())
      return ReportFailedLaunch(lt, "CannotCreateContainerError: " + lowers.error().message);
    auto rc = ResolveContainer(imgs[c.name].config, *def, task.overrides.Find(c.name));
    if (!rc.ok()) return ReportFailedLaunch(lt, rc.error().message);
    runtime::ContainerSpec cs;
    cs.name = c.name;
    cs.args = rc->args;
    cs.env = rc->env;
    cs.cwd = rc->cwd;
    cs.user = rc->user;
    cs.overlay_lowers = std::move(lowers).value();
    cs.overlay_dir = std::filesystem::absolute(lt.rootfs[c.name]).lexically_normal().string();
    cs.rootfs = cs.overlay_dir + "/rootfs";
    cs.cpu_shares = rc->cpu_shares;
    cs.memory_limit_bytes = rc->memory_limit_bytes;
    cs.memory_reservation_bytes = rc->memory_reservation_bytes;
    cs.essential = c.essential;
    cs.stop_timeout_s = rc->stop_timeout_s;
    cs.hostname = hostname;
    for (const char* f : {"hosts", "hostname", "resolv.conf"})
      cs.mounts.push_back({NetFilesDir(id) + "/" + f, std::string("/etc/") + f, true});
    spec.containers.push_back(std::move(cs));
  }
  const auto t_rootfs = SteadyClock::now();
  if (auto r = runtime_.Start(spec); !r.ok())
    return ReportFailedLaunch(lt, "CannotStartContainerError: " + r.error().message);
  const auto t_started = SteadyClock::now();

  bool stop_now = false;
  {
    std::lock_guard lock(mu_);
    lt.phase = LocalTask::Phase::kRunning;
    lt.running_reported = true;
    lt.busy = false;
    if (lt.task.desired_status == "STOPPED" && !lt.stop_sent) stop_now = lt.stop_sent = true;
  }
  (void)SaveRecord(lt);
  WatchTaskFiles(lt);
  WatchHealth(lt, *td, clock_.NowMs());
  services::TaskReport rep;
  rep.task_id = id;
  rep.last_status = st::kRunning;
  rep.pull_started_at_ms = pull_started;
  rep.pull_stopped_at_ms = pull_stopped;
  rep.started_at_ms = clock_.NowMs();
  rep.network.ipv4 = net->ipv4;
  rep.network.mac = net->mac;
  rep.network.subnet_cidr = net->subnet_cidr;
  rep.network.gateway = net->gateway;
  rep.network.mode = net->mode;
  for (const auto& c : task.containers) {
    services::ContainerReport cr;
    cr.name = c.name;
    cr.last_status = st::kRunning;
    cr.runtime_id = "gantry-" + id + "-" + c.name;
    cr.image_digest = imgs[c.name].manifest_digest;
    rep.containers.push_back(std::move(cr));
  }
  if (auto r = cp_.ReportTask(rep); !r.ok())
    spdlog::warn("agent: report RUNNING for {}: {}", id, r.error().message);
  if (spdlog::should_log(spdlog::level::debug)) {
    const auto t_end = SteadyClock::now();
    spdlog::debug(
        "agent: launched {} in {:.1f} ms (queued {:.1f}): taskdef+record {:.1f}, images {:.1f}, "
        "netns {:.1f}, rootfs+config {:.1f}, runtime start {:.1f}, record+report {:.1f}",
        id, MsBetween(t_begin, t_end), MsBetween(lt.assigned, t_begin),
        MsBetween(t_begin, t_record), MsBetween(t_record, t_images), MsBetween(t_images, t_netns),
        MsBetween(t_netns, t_rootfs), MsBetween(t_rootfs, t_started), MsBetween(t_started, t_end));
  }
  if (stop_now) (void)runtime_.Stop(TaskDir(id));
}

void Agent::IngestLogs(LocalTask& lt, const runtime::TaskStatus& status) {
  bool changed = false;
  for (const auto& c : status.containers) {
    if (c.log_path.empty()) continue;
    auto target = lt.log_targets.find(c.name);
    if (target == lt.log_targets.end()) continue;
    int64_t& off = lt.log_offsets[c.name];
    for (int round = 0; round < 100; ++round) {
      auto chunk = runtime::ReadLogLines(c.log_path, off, 5000);
      if (!chunk.ok() || chunk->lines.empty()) break;
      std::vector<store::LogEvent> events;
      events.reserve(chunk->lines.size());
      for (auto& l : chunk->lines) {
        store::LogEvent e;
        e.timestamp_ms = l.timestamp_ms;
        e.message = std::move(l.text);
        events.push_back(std::move(e));
      }
      auto r = cp_.AppendLogs(target->second.first, target->second.second, events);
      if (!r.ok()) {
        spdlog::warn("agent: logs for {}/{}: {}", lt.id, c.name, r.error().message);
        break;
      }
      off = chunk->next_offset;
      changed = true;
      if (chunk->lines.size() < 5000) break;
    }
  }
  if (changed) (void)SaveRecord(lt);
}

void Agent::Poll(LocalTask& lt) {
  if (!lt.health_watched && !lt.task.task_definition_arn.empty()) {
    auto td = cp_.GetTaskDefinition(lt.task.task_definition_arn);
    if (td.ok()) WatchHealth(lt, *td, clock_.NowMs());
    lt.health_watched = true;
  }
  auto status = runtime_.Status(TaskDir(lt.id));
  if (!status.ok()) {
    spdlog::warn("agent: status of {}: {}", lt.id, status.error().message);
    return;
  }
  IngestLogs(lt, *status);
  services::TaskReport rep;
  rep.task_id = lt.id;
  for (const auto& c : status->containers) {
    if (c.state != runtime::ContainerState::kExited || lt.exit_reported.count(c.name)) continue;
    services::ContainerReport cr;
    cr.name = c.name;
    cr.last_status = st::kStopped;
    cr.exit_code = c.exit_code;
    cr.reason = c.reason;
    rep.containers.push_back(std::move(cr));
    lt.exit_reported.insert(c.name);
  }
  bool done = status->finished || !status->shim_alive;
  if (!rep.containers.empty() && !done) {
    (void)SaveRecord(lt);
    if (auto r = cp_.ReportTask(rep); !r.ok())
      spdlog::warn("agent: report exits for {}: {}", lt.id, r.error().message);
  }
  if (done) {
    {
      std::lock_guard lock(mu_);
      if (lt.busy) return;
      lt.busy = true;
      lt.phase = LocalTask::Phase::kTearingDown;
    }
    (void)SaveRecord(lt);
    Enqueue([this, id = lt.id] { Teardown(id); });
  }
}

void Agent::Teardown(const std::string& id) {
  std::shared_ptr<LocalTask> ltp;
  Task task;
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    ltp = it->second;
    task = ltp->task;
  }
  LocalTask& lt = *ltp;
  std::string dir = TaskDir(id);
  health_->Forget(id);
  UnwatchTaskFiles(lt);
  auto status = runtime_.Status(dir);
  if (status.ok()) {
    if (status->shim_alive && !status->finished) (void)runtime_.Stop(dir);
    IngestLogs(lt, *status);
  }
  if (auto r = runtime_.Cleanup(dir); !r.ok())
    spdlog::warn("agent: cleanup {}: {}", id, r.error().message);
  for (const auto& [c, rdir] : lt.rootfs) {
    if (auto r = images_.ReleaseRootfs(rdir); !r.ok())
      spdlog::warn("agent: release rootfs {}: {}", rdir, r.error().message);
  }
  (void)RemoveTree(NetFilesDir(id));
  if (auto r = network_.Teardown(id); !r.ok())
    spdlog::warn("agent: network teardown {}: {}", id, r.error().message);

  services::TaskReport rep;
  rep.task_id = id;
  rep.last_status = st::kStopped;
  rep.execution_stopped_at_ms = clock_.NowMs();
  if (lt.launch_failed) {
    rep.stop_code = model::stop_code::kTaskFailedToStart;
    rep.stopped_reason = lt.failure_reason;
    for (const auto& c : task.containers) {
      services::ContainerReport cr;
      cr.name = c.name;
      cr.last_status = st::kStopped;
      cr.reason = lt.failure_reason;
      rep.containers.push_back(std::move(cr));
    }
  } else {
    bool any_exit = false;
    if (status.ok()) {
      for (const auto& c : status->containers) {
        services::ContainerReport cr;
        cr.name = c.name;
        cr.last_status = st::kStopped;
        cr.exit_code = c.exit_code;
        cr.reason = c.reason;
        any_exit |= c.exit_code.has_value();
        rep.containers.push_back(std::move(cr));
      }
    }
    if (task.desired_status != "STOPPED") {
      rep.stop_code = model::stop_code::kEssentialContainerExited;
      rep.stopped_reason = any_exit ? "Essential container in task exited"
                                    : "Task stopped: the container runtime shim exited unexpectedly";
    }
  }
  auto r = cp_.ReportTask(rep);
  if (!r.ok() && r.error().code != ErrorCode::kNotFound) {
    spdlog::warn("agent: report STOPPED for {}: {} (will retry)", id, r.error().message);
    std::lock_guard lock(mu_);
    lt.busy = false;
    lt.phase = LocalTask::Phase::kRunning;  // the next poll finds it finished and retries
    return;
  }
  (void)runtime_.RemoveTaskDir(dir);
  (void)RemoveTree(LogDir(id));  // ingested above; also when the runtime never got to start
  ::unlink(RecordPath(id).c_str());
  std::lock_guard lock(mu_);
  tasks_.erase(id);
  finished_.insert(id);
}

}  // namespace gantry::agent

namespace gantry::agent {

void Agent::WatchHealth(LocalTask& lt, const model::TaskDefinition& td, int64_t started_ms) {
  lt.health_watched = true;
  for (const auto& c : td.containers) {
    ContainerHealthInput in;
    in.essential = c.essential;
    in.has_health_check = c.health_check.has_value();
    in.health_status = model::health_status::kUnknown;
    {
      std::lock_guard lock(mu_);
      lt.health[c.name] = in;
    }
    if (c.health_check)
      health_->Watch(lt.id, TaskDir(lt.id), c.name, ProbeConfigFrom(*c.health_check), started_ms);
  }
}

void Agent::HandleHealthChanges() {
  for (const auto& ch : health_->TakeChanges()) {
    std::shared_ptr<LocalTask> lt;
    services::TaskReport rep;
    bool stop = false;
    {
      std::lock_guard lock(mu_);
      auto it = tasks_.find(ch.task_id);
      if (it == tasks_.end() || it->second->phase != LocalTask::Phase::kRunning) continue;
      lt = it->second;
      auto& in = lt->health[ch.container];
      in.health_status = ToString(ch.to);
      std::vector<ContainerHealthInput> all;
      for (const auto& [name, h] : lt->health) all.push_back(h);
      rep.task_id = lt->id;
      rep.health_status = TaskHealth(all);
      services::ContainerReport cr;
      cr.name = ch.container;
      cr.health_status = in.health_status;
      rep.containers.push_back(std::move(cr));
      if (ch.to == HealthStatus::kUnhealthy && in.essential && !lt->stop_sent) {
        stop = lt->stop_sent = true;
        rep.last_status = st::kStopping;
        rep.stop_code = lt->task.group.rfind("service:", 0) == 0
                            ? model::stop_code::kServiceSchedulerInitiated
                            : model::stop_code::kEssentialContainerExited;
        rep.stopped_reason = fmt::format("{}: container {} is unhealthy (exit {}{})",
                                         model::kFailedHealthChecksReason, ch.container,
                                         ch.exit_code, ch.timed_out ? ", timed out" : "");
      }
    }
    spdlog::info("agent: task {} container {} is {}", ch.task_id, ch.container, ToString(ch.to));
    if (stop) {
      (void)SaveRecord(*lt);
      if (auto r = runtime_.Stop(TaskDir(lt->id)); !r.ok())
        spdlog::warn("agent: stop unhealthy task {}: {}", lt->id, r.error().message);
    }
    if (auto r = cp_.ReportTask(rep); !r.ok())
      spdlog::warn("agent: report health of {}: {}", ch.task_id, r.error().message);
  }
}

}  // namespace gantry::agent
