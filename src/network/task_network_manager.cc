#include "network/task_network_manager.h"

#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <sys/file.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/ids.h"
#include "network/attachment_record.h"
#include "network/cni_plugin.h"
#include "network/host_rules.h"
#include "network/ipv4_net.h"
#include "network/netns.h"
#include "network/port_mappings.h"
#include "network/task_files.h"
#include "network/veth.h"

namespace gantry::network {

namespace json = boost::json;

namespace {

bool ValidTaskId(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == ".." || s.starts_with("pool-")) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.';
  });
}

bool ValidBridgeName(const std::string& s) {
  if (s.empty() || s.size() > 15) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
  });
}

// Names of the *.json records in dir (without the extension).
std::vector<std::string> ListRecords(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() > 5 && n.ends_with(".json")) out.emplace_back(n.substr(0, n.size() - 5));
  }
  ::closedir(d);
  return out;
}

std::string PoolPrefix(const std::string& bridge) { return "pool-" + bridge + "-"; }

// The host's IPv4 on the device of the default route ("" if none).
std::string HostPrimaryIpv4() {
  auto routes = ReadFile("/proc/net/route");
  if (!routes.ok()) return "";
  std::istringstream in(*routes);
  std::string line, iface;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string dev, dst, gw, flags, refcnt, use, metric, mask;
    ls >> dev >> dst >> gw >> flags >> refcnt >> use >> metric >> mask;
    if (dst == "00000000" && mask == "00000000") {
      iface = dev;
      break;
    }
  }
  std::string ip;
  ifaddrs* ifs = nullptr;
  if (::getifaddrs(&ifs) != 0) return "";
  for (ifaddrs* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!iface.empty() && iface != i->ifa_name) continue;
    uint32_t a = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    if ((a >> 24) == 127) continue;
    ip = FormatIpv4(a);
    break;
  }
  ::freeifaddrs(ifs);
  return ip;
}

Result<void> EnableIpForwarding() {
  Fd f(::open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC));
  if (!f.valid() || ::write(f.get(), "1", 1) != 1)
    return ErrnoError("enable net.ipv4.ip_forward", errno);
  return Ok();
}

std::string NetnsPath(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

// One manager per state dir: a second one would garbage-collect the first one's attachments.
Result<Fd> LockStateDir(const std::string& state_dir) {
  GANTRY_TRY(MakeDirs(state_dir));
  const std::string path = state_dir + "/lock";
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoError("open " + path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return MakeError(ErrorCode::kFailedPrecondition,
                       "network state {} is in use by another gantry server", state_dir);
    return ErrnoError("flock " + path, errno);
  }
  return fd;
}

// Replays a record's CNI ADD configs as DEL in reverse chain order, deletes its veth pair, then its
// namespace. Every
// step runs even if an earlier one failed; the first error is returned so the record is kept and
// a later GarbageCollect retries (DEL is idempotent and works without the namespace).
Result<void> DestroyAttachment(const std::string& cni_bin_dir, const AttachmentRecord& r) {
  std::optional<Error> first;
  const bool mounted = !r.netns_name.empty() && NetnsMounted(r.netns_name);
  for (auto it = r.plugins.rbegin(); it != r.plugins.rend(); ++it) {
    json::object config = *it;
    if (!r.result.empty()) config["prevResult"] = r.result;
    CniCall call{"DEL", r.container_id, mounted ? NetnsPath(r.netns_name) : "", r.ifname};
    auto del = InvokeCni(cni_bin_dir, call, config);
    if (!del.ok() && !first) first = del.error();
  }
  if (auto d = DeleteLink(r.veth); !d.ok() && !first) first = d.error();
  if (!r.netns_name.empty()) {
    auto d = DeleteNetns(r.netns_name);
    if (!d.ok() && !first) first = d.error();
  }
  if (first) return *first;
  return Ok();
}

}  // namespace

struct TaskNetworkManager::Impl {
  enum class Phase { kSettingUp, kReady, kTearingDown };
  struct TaskState {
    Phase phase = Phase::kSettingUp;
    std::vector<PortMapping> ports;
  };

  NetworkOptions opts;
  Fd lock;  // flock on <state_dir>/lock for the manager's lifetime
  Ipv4Net subnet;
  std::string net_name;  // CNI network name (portmap configs)
  std::string tasks_dir, pool_dir;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, TaskState> tasks;
  std::map<std::string, std::string> host_ports;  // "8080/tcp" -> task id
  // In-process IPAM: every address a record (task or pool entry) holds. Rebuilt from the records
  // on Open; an address is released only once its veth and namespace are gone.
  std::set<uint32_t> ips;
  uint32_t ip_cursor = 0;
  std::deque<AttachmentRecord> pool;              // ready to claim
  std::set<std::string> pool_inflight;            // being created by the worker
  std::deque<std::string> teardown_queue;
  std::deque<std::string> alias_release_queue;  // pool names of claimed namespaces
  std::chrono::steady_clock::time_point last_claim;
  static constexpr std::chrono::milliseconds kRefillQuiet{50};
  bool stop = false;
  bool closed = false;
  NetworkStats stats;
  std::thread worker;

  std::string RecordPath(const std::string& dir, const std::string& id) const {
    return dir + "/" + id + ".json";
  }
  Result<void> SaveRecord(const std::string& dir, const AttachmentRecord& r) const {
    return WriteFileAtomic(RecordPath(dir, r.owner), SerializeRecord(r));
  }
  void RemoveRecord(const std::string& dir, const std::string& id) const {
    ::unlink(RecordPath(dir, id).c_str());
  }

  // The next free address after the last one handed out (so a just-released address is not
  // reused at once), skipping the network, gateway and broadcast addresses.
  Result<uint32_t> AllocateIpLocked() {
    const uint64_t size = uint64_t{1} << (32 - subnet.prefix);
    const uint32_t first = subnet.addr + 2, last = static_cast<uint32_t>(subnet.addr + size - 2);
    if (ip_cursor < first || ip_cursor > last) ip_cursor = first;
    for (uint64_t n = 0; n <= last - first; ++n) {
      const uint32_t ip = ip_cursor;
      ip_cursor = ip == last ? first : ip + 1;
      if (ips.insert(ip).second) return ip;
    }
    return MakeError(ErrorCode::kResourceExhausted, "no free IP in {}", subnet.ToString());
  }

  // The address a record holds (its ipv4 field, or the CNI result of an older record).
  static std::optional<uint32_t> RecordIp(const AttachmentRecord& r) {
    std::string text = r.ipv4.empty() ? ToAttachment(r, kNetnsDir).ipv4 : r.ipv4;
    auto ip = ParseIpv4(text.substr(0, text.find('/')));
    if (!ip.ok()) return std::nullopt;
    return *ip;
  }

  void ReleaseIp(const AttachmentRecord& r) {
    if (auto ip = RecordIp(r)) {
      std::lock_guard lock(mu);
      ips.erase(*ip);
    }
  }

  // Removes the record of an attachment whose kernel objects are gone, and frees its address.
  void DropRecord(const std::string& dir, const AttachmentRecord& r) {
    RemoveRecord(dir, r.owner);
    ReleaseIp(r);
  }

  // Connects r's namespace to the bridge: an address from the in-process IPAM, recorded with the
  // veth name before the pair is created, then the pair over netlink. Fills r.result in the shape
  // of a CNI bridge result, which portmap takes as prevResult and ToAttachment reads.
  Result<void> AttachBridge(AttachmentRecord& r, const std::string& dir) {
    uint32_t ip;
    {
      std::lock_guard lock(mu);
      GANTRY_ASSIGN_OR_RETURN(ip, AllocateIpLocked());
    }
    r.ipv4 = FormatIpv4(ip) + "/" + std::to_string(subnet.prefix);
    r.veth = "gv" + RandomHex(12);
    GANTRY_TRY(SaveRecord(dir, r));  // a crash from here on leaves a record GC can replay
    VethSpec spec;
    spec.netns_path = NetnsPath(r.netns_name);
    spec.host_ifname = r.veth;
    spec.ifname = r.ifname;
    spec.bridge = opts.bridge;
    spec.ip = ip;
    spec.prefix = subnet.prefix;
    spec.gateway = subnet.addr + 1;
    spec.mac = MacForIp(ip);
    GANTRY_TRY(AttachVeth(spec));
    r.result = json::object{
        {"cniVersion", kCniVersion},
        {"interfaces", json::array{json::object{{"name", opts.bridge}},
                                   json::object{{"name", r.veth}},
                                   json::object{{"name", r.ifname},
                                                {"mac", spec.mac},
                                                {"sandbox", spec.netns_path}}}},
        {"ips", json::array{json::object{{"interface", 2},
                                         {"address", r.ipv4},
                                         {"gateway", FormatIpv4(spec.gateway)}}}},
        {"routes", json::array{json::object{{"dst", "0.0.0.0/0"}}}},
        {"dns", json::object{}},
    };
    return Ok();
  }

  static json::object PortmapConfig(const std::vector<PortMapping>& ports) {
    json::array maps;
    for (const auto& p : ports)
      if (p.host_port != 0)
        maps.push_back(json::object{{"hostPort", p.host_port},
                                    {"containerPort", p.container_port},
                                    {"protocol", p.protocol}});
    return json::object{{"type", "portmap"},
                        {"capabilities", json::object{{"portMappings", true}}},
                        {"snat", true},
                        {"runtimeConfig", json::object{{"portMappings", std::move(maps)}}}};
  }

  // Records the config (so a crash during ADD still leaves a DEL to replay), then runs ADD.
  Result<void> AddPlugin(AttachmentRecord& r, const std::string& dir, json::object config) {
    config["cniVersion"] = kCniVersion;
    config["name"] = net_name;
    if (!r.result.empty()) config["prevResult"] = r.result;
    r.plugins.push_back(config);
    GANTRY_TRY(SaveRecord(dir, r));
    CniCall call{"ADD", r.container_id, NetnsPath(r.netns_name), r.ifname};
    auto res = InvokeCni(opts.cni_bin_dir, call, config);
    if (!res.ok()) {
      if (res.error().code == ErrorCode::kResourceExhausted)
        return MakeError(ErrorCode::kResourceExhausted, "no free IP in {}", subnet.ToString());
      return res.error();
    }
    r.result = std::move(*res);
    return Ok();
  }

  // Undoes a partly created attachment; logs instead of failing (the caller reports the cause).
  void Abandon(const std::string& dir, const AttachmentRecord& r) {
    auto d = DestroyAttachment(opts.cni_bin_dir, r);
    if (d.ok())
      DropRecord(dir, r);
    else
      spdlog::warn("network: cleanup of {} failed, left for GC: {}", r.owner, d.error().message);
  }

  Result<AttachmentRecord> MakePoolEntry(const std::string& id) {
    AttachmentRecord r;
    r.owner = id;
    r.mode = "awsvpc";
    r.netns_name = id;
    r.container_id = id;
    GANTRY_TRY(SaveRecord(pool_dir, r));
    auto ns = CreateNetns(id);
    if (!ns.ok()) {
      RemoveRecord(pool_dir, id);
      return ns.error();
    }
    if (auto add = AttachBridge(r, pool_dir); !add.ok()) {
      Abandon(pool_dir, r);
      return add.error();
    }
    r.complete = true;
    if (auto s = SaveRecord(pool_dir, r); !s.ok()) {
      Abandon(pool_dir, r);
      return s.error();
    }
    return r;
  }

  Attachment Finish(const AttachmentRecord& r) const {
    Attachment a = ToAttachment(r, kNetnsDir);
    if (r.mode == "host") a.ipv4 = HostPrimaryIpv4();
    if (a.hostname.empty()) a.hostname = DefaultHostname(a);
    return a;
  }

  Result<Attachment> DoSetup(const std::string& id, const std::string& mode,
                             const std::vector<PortMapping>& ports, const std::string& hostname,
                             std::optional<AttachmentRecord> claimed) {
    AttachmentRecord r;
    r.owner = id;
    r.mode = mode;
    r.hostname = hostname;
    r.ports = ports;
    if (mode == "host") {
      r.complete = true;
      GANTRY_TRY(SaveRecord(tasks_dir, r));
      return Finish(r);
    }
    r.netns_name = id;
    if (claimed) {
      r.container_id = claimed->container_id;
      r.veth = claimed->veth;
      r.ipv4 = claimed->ipv4;
      r.plugins = claimed->plugins;
      r.result = claimed->result;
      auto alias = AliasNetns(claimed->netns_name, id);
      if (!alias.ok()) {
        std::lock_guard lock(mu);
        pool.push_front(std::move(*claimed));
        return alias.error();
      }
      // Task record first, then forget the pool entry: a crash in between leaves both records
      // naming one container id, and Open drops the pool one.
      if (auto s = SaveRecord(tasks_dir, r); !s.ok()) {
        (void)DeleteNetns(id);
        std::lock_guard lock(mu);
        pool.push_front(std::move(*claimed));
        return s.error();
      }
      RemoveRecord(pool_dir, claimed->owner);
      // Dropping the pool name is an unmount, which waits for an RCU grace period (0.1-3 ms):
      // the worker does it. If we crash first, GC removes the unrecorded pool-* name.
      std::lock_guard lock(mu);
      alias_release_queue.push_back(claimed->netns_name);
    } else {
      r.container_id = id;
      GANTRY_TRY(SaveRecord(tasks_dir, r));
      auto ns = CreateNetns(id);  // awsvpc and none alike
      if (!ns.ok()) {
        RemoveRecord(tasks_dir, id);
        return ns.error();
      }
      if (mode == "awsvpc") {
        if (auto add = AttachBridge(r, tasks_dir); !add.ok()) {
          Abandon(tasks_dir, r);
          return add.error();
        }
      }
    }
    const bool publish = std::any_of(ports.begin(), ports.end(),
                                     [](const PortMapping& p) { return p.host_port != 0; });
    if (mode == "awsvpc" && publish) {
      if (auto add = AddPlugin(r, tasks_dir, PortmapConfig(ports)); !add.ok()) {
        Abandon(tasks_dir, r);
        return add.error();
      }
    }
    r.complete = true;
    if (auto s = SaveRecord(tasks_dir, r); !s.ok()) {
      Abandon(tasks_dir, r);
      return s.error();
    }
    return Finish(r);
  }

  void ReleasePortsLocked(const std::string& id) {
    for (auto it = host_ports.begin(); it != host_ports.end();)
      it = it->second == id ? host_ports.erase(it) : std::next(it);
  }

  // The second half of a teardown; the task is already marked kTearingDown.
  Result<void> FinishTeardown(const std::string& id) {
    Result<void> result = Ok();
    auto text = ReadFile(RecordPath(tasks_dir, id));
    auto rec = text.ok() ? ParseRecord(*text) : Result<AttachmentRecord>(text.error());
    if (rec.ok())
      result = DestroyAttachment(opts.cni_bin_dir, *rec);
    else if (text.ok())
      (void)DeleteNetns(id);  // unreadable record: at least free the namespace
    if (result.ok() && rec.ok())
      DropRecord(tasks_dir, *rec);
    else if (result.ok())
      RemoveRecord(tasks_dir, id);
    std::lock_guard lock(mu);
    if (result.ok()) {
      tasks.erase(id);
      ReleasePortsLocked(id);
    } else if (auto it = tasks.find(id); it != tasks.end()) {
      it->second.phase = Phase::kReady;  // retried by Teardown or GarbageCollect
      spdlog::warn("network: teardown of {} failed: {}", id, result.error().message);
    }
    cv.notify_all();
    return result;
  }

  // Background work, in priority order: dropping pool names of claimed namespaces (at once: each
  // extra mount makes every container start copy and parse a bigger mount table), async
  // teardowns, pool refills. Refills wait until no Setup has claimed for kRefillQuiet, so on a
  // small node they do not compete with the launch that just claimed.
  void WorkerLoop() {
    int failures = 0;
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] {
        return stop || !teardown_queue.empty() || !alias_release_queue.empty() ||
               pool.size() + pool_inflight.size() < static_cast<size_t>(opts.warm_pool);
      });
      const auto quiet_until = last_claim + kRefillQuiet;
      const bool quiet = !stop && std::chrono::steady_clock::now() < quiet_until;
      if (!alias_release_queue.empty()) {
        std::string name = alias_release_queue.front();
        alias_release_queue.pop_front();
        lock.unlock();
        (void)DeleteNetns(name);
        lock.lock();
        continue;
      }
      if (!teardown_queue.empty()) {
        std::string id = teardown_queue.front();
        teardown_queue.pop_front();
        lock.unlock();
        (void)FinishTeardown(id);
        lock.lock();
        continue;
      }
      if (stop) {
        if (!alias_release_queue.empty()) continue;
        return;
      }
      if (quiet) {
        cv.wait_until(lock, quiet_until, [&] { return stop || !teardown_queue.empty(); });
        continue;
      }
      if (pool.size() + pool_inflight.size() >= static_cast<size_t>(opts.warm_pool)) continue;
      std::string id = PoolPrefix(opts.bridge) + RandomHex(12);
      pool_inflight.insert(id);
      lock.unlock();
      auto entry = MakePoolEntry(id);
      lock.lock();
      pool_inflight.erase(id);
      if (entry.ok()) {
        failures = 0;
        pool.push_back(std::move(*entry));
        cv.notify_all();
        continue;
      }
      ++stats.pool_failures;
      ++failures;
      spdlog::warn("network: warm pool refill failed: {}", entry.error().message);
      auto backoff = std::chrono::milliseconds(100) * (1 << std::min(failures, 7));
      cv.wait_for(lock, backoff, [&] { return stop || !teardown_queue.empty(); });
    }
  }

  // Loads task records and adopts intact warm-pool entries left by a previous process.
  void LoadRecords() {
    std::set<std::string> task_cids;
    for (const auto& id : ListRecords(tasks_dir)) {
      auto text = ReadFile(RecordPath(tasks_dir, id));
      if (!text.ok()) continue;
      auto rec = ParseRecord(*text);
      TaskState st;
      st.phase = Phase::kReady;
      if (rec.ok()) {
        st.ports = rec->ports;
        task_cids.insert(rec->container_id);
        if (auto ip = RecordIp(*rec)) ips.insert(*ip);
        for (const auto& p : rec->ports)
          if (p.host_port != 0) host_ports[HostPortKey(p)] = id;
      }
      tasks[id] = std::move(st);  // even unreadable: Teardown/GC can still remove it
    }
    for (const auto& id : ListRecords(pool_dir)) {
      auto text = ReadFile(RecordPath(pool_dir, id));
      if (!text.ok()) continue;
      auto rec = ParseRecord(*text);
      if (!rec.ok()) continue;
      if (task_cids.count(rec->container_id)) {  // crashed mid-claim: the task owns it now
        RemoveRecord(pool_dir, id);
        (void)DeleteNetns(rec->netns_name);
        continue;
      }
      auto ip = RecordIp(*rec);
      if (ip) ips.insert(*ip);  // until the entry is claimed, or removed as stale
      if (rec->complete && NetnsMounted(rec->netns_name) && ip && subnet.Contains(*ip) &&
          pool.size() < static_cast<size_t>(opts.warm_pool))
        pool.push_back(std::move(*rec));
      // anything else is stale: GarbageCollect removes it
    }
  }
};

TaskNetworkManager::TaskNetworkManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TaskNetworkManager::~TaskNetworkManager() { Close(); }

Result<std::unique_ptr<TaskNetworkManager>> TaskNetworkManager::Open(NetworkOptions opts) {
  if (opts.state_dir.empty())
    return MakeError(ErrorCode::kInvalidArgument, "network state_dir is required");
  if (!ValidBridgeName(opts.bridge))
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid bridge name '{}' (1-15 of [A-Za-z0-9_-])", opts.bridge);
  GANTRY_ASSIGN_OR_RETURN(Ipv4Net subnet, ParseIpv4Net(opts.subnet));
  if (subnet.prefix < 8 || subnet.prefix > 29)
    return MakeError(ErrorCode::kInvalidArgument, "task subnet {} must be /8 to /29",
                     subnet.ToString());
  // Host ports go through CNI portmap; the veth/bridge/IPAM part is done in-process.
  if (std::string path = opts.cni_bin_dir + "/portmap"; ::access(path.c_str(), X_OK) != 0)
    return MakeError(ErrorCode::kFailedPrecondition,
                     "CNI plugin {} not found (install containernetworking-plugins)", path);
  opts.warm_pool = std::max(0, opts.warm_pool);
  GANTRY_TRY(CheckSubnetFree(subnet, opts.bridge));

  auto impl = std::make_unique<Impl>();
  GANTRY_ASSIGN_OR_RETURN(impl->lock, LockStateDir(opts.state_dir));
  impl->opts = opts;
  impl->subnet = subnet;
  impl->net_name = "gantry-" + opts.bridge;
  impl->tasks_dir = opts.state_dir + "/tasks";
  impl->pool_dir = opts.state_dir + "/pool";
  for (const auto& d : {impl->tasks_dir, impl->pool_dir}) GANTRY_TRY(MakeDirs(d));
  // The bridge plugin (isGateway) turns forwarding on as well; do it up front regardless.
  GANTRY_TRY(EnableIpForwarding());
  GANTRY_TRY(EnsureHostRules(subnet, opts.bridge));
  GANTRY_TRY(EnsureBridge(opts.bridge, subnet));
  impl->LoadRecords();
  Impl* raw = impl.get();
  impl->worker = std::thread([raw] { raw->WorkerLoop(); });
  return std::unique_ptr<TaskNetworkManager>(new TaskNetworkManager(std::move(impl)));
}

Result<Attachment> TaskNetworkManager::Setup(const std::string& task_id, const std::string& mode,
                                             const std::vector<PortMapping>& ports,
                                             const std::string& hostname) {
  Impl& m = *impl_;
  if (!ValidTaskId(task_id))
    return MakeError(ErrorCode::kInvalidArgument, "invalid task id '{}' for networking", task_id);
  GANTRY_ASSIGN_OR_RETURN(std::string norm_mode, NormalizeNetworkMode(mode));
  GANTRY_ASSIGN_OR_RETURN(auto norm_ports, NormalizePorts(norm_mode, ports));

  std::optional<AttachmentRecord> claimed;
  std::vector<AttachmentRecord> stale;
  {
    std::lock_guard lock(m.mu);
    if (m.closed) return MakeError(ErrorCode::kFailedPrecondition, "network manager is closed");
    if (auto it = m.tasks.find(task_id); it != m.tasks.end()) {
      if (it->second.phase != Impl::Phase::kReady)
        return MakeError(ErrorCode::kFailedPrecondition,
                         "network setup or teardown of task {} is in progress", task_id);
      auto text = ReadFile(m.RecordPath(m.tasks_dir, task_id));
      if (!text.ok()) return text.error();
      GANTRY_ASSIGN_OR_RETURN(auto rec, ParseRecord(*text));
      return m.Finish(rec);
    }
    for (const auto& p : norm_ports) {
      if (p.host_port == 0) continue;
      if (auto hp = m.host_ports.find(HostPortKey(p)); hp != m.host_ports.end())
        return MakeError(ErrorCode::kResourceExhausted, "host port {} is already mapped by task {}",
                         HostPortKey(p), hp->second);
      if (!HostPortFreeOnHost(p))
        return MakeError(ErrorCode::kResourceExhausted,
                         "host port {} is already in use by a process on the host", HostPortKey(p));
    }
    for (const auto& p : norm_ports)
      if (p.host_port != 0) m.host_ports[HostPortKey(p)] = task_id;
    m.tasks[task_id] = Impl::TaskState{Impl::Phase::kSettingUp, norm_ports};
    while (norm_mode == "awsvpc" && !m.pool.empty()) {
      AttachmentRecord entry = std::move(m.pool.front());
      m.pool.pop_front();
      // Someone removed the namespace under us (e.g. a sweep by another manager sharing the
      // bridge): drop the entry instead of failing the launch.
      if (!NetnsMounted(entry.netns_name)) {
        stale.push_back(std::move(entry));
        continue;
      }
      claimed = std::move(entry);
      m.last_claim = std::chrono::steady_clock::now();
      // The refill is signalled when this Setup is done, so it does not compete with the claim.
      break;
    }
  }
  for (const auto& e : stale) {
    spdlog::warn("network: warm-pool namespace {} vanished; discarding it", e.netns_name);
    if (DestroyAttachment(m.opts.cni_bin_dir, e).ok()) m.DropRecord(m.pool_dir, e);
  }
  const bool warm = claimed.has_value();
  auto result = m.DoSetup(task_id, norm_mode, norm_ports, hostname, std::move(claimed));
  std::lock_guard lock(m.mu);
  if (result.ok()) {
    m.tasks[task_id].phase = Impl::Phase::kReady;
    if (norm_mode == "awsvpc") ++(warm ? m.stats.warm_claims : m.stats.cold_setups);
  } else {
    m.tasks.erase(task_id);
    m.ReleasePortsLocked(task_id);
  }
  m.cv.notify_all();
  return result;
}

Result<void> TaskNetworkManager::CheckCapacity(const std::string& mode,
                                               const std::vector<PortMapping>& ports,
                                               int count) const {
  const Impl& m = *impl_;
  GANTRY_ASSIGN_OR_RETURN(std::string norm_mode, NormalizeNetworkMode(mode));
  GANTRY_ASSIGN_OR_RETURN(auto norm_ports, NormalizePorts(norm_mode, ports));
  size_t pool_ready = 0, allocated = 0;
  {
    std::lock_guard lock(m.mu);
    for (const auto& p : norm_ports) {
      if (p.host_port == 0) continue;
      if (count > 1)
        return MakeError(ErrorCode::kResourceExhausted,
                         "host port {} can be used by one task only ({} requested)",
                         HostPortKey(p), count);
      if (auto hp = m.host_ports.find(HostPortKey(p)); hp != m.host_ports.end())
        return MakeError(ErrorCode::kResourceExhausted, "host port {} is already mapped by task {}",
                         HostPortKey(p), hp->second);
      if (!HostPortFreeOnHost(p))
        return MakeError(ErrorCode::kResourceExhausted,
                         "host port {} is already in use by a process on the host", HostPortKey(p));
    }
    pool_ready = m.pool.size();
    allocated = m.ips.size();
  }
  if (norm_mode != "awsvpc") return Ok();
  // Usable addresses: all but the network, gateway and broadcast addresses. Ready warm-pool
  // entries hold addresses a task can claim.
  const Ipv4Net& net = m.subnet;
  const int64_t usable = net.prefix >= 31 ? 0 : (int64_t{1} << (32 - net.prefix)) - 3;
  const int64_t free = usable - static_cast<int64_t>(allocated) + static_cast<int64_t>(pool_ready);
  if (free < count)
    return MakeError(ErrorCode::kResourceExhausted,
                     "no free IP in {} for {} task(s): {} address(es) left", m.opts.subnet, count,
                     std::max<int64_t>(free, 0));
  return Ok();
}

Result<Attachment> TaskNetworkManager::Get(const std::string& task_id) const {
  const Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    auto it = m.tasks.find(task_id);
    if (it == m.tasks.end() || it->second.phase != Impl::Phase::kReady)
      return MakeError(ErrorCode::kNotFound, "task {} has no network attachment", task_id);
  }
  GANTRY_ASSIGN_OR_RETURN(std::string text, ReadFile(m.RecordPath(m.tasks_dir, task_id)));
  GANTRY_ASSIGN_OR_RETURN(auto rec, ParseRecord(text));
  return m.Finish(rec);
}

Result<void> TaskNetworkManager::Teardown(const std::string& task_id) {
  Impl& m = *impl_;
  {
    std::unique_lock lock(m.mu);
    for (;;) {
      auto it = m.tasks.find(task_id);
      if (it == m.tasks.end()) return Ok();
      if (it->second.phase == Impl::Phase::kSettingUp)
        return MakeError(ErrorCode::kFailedPrecondition, "network setup of task {} is in progress",
                         task_id);
      if (it->second.phase == Impl::Phase::kReady) {
        it->second.phase = Impl::Phase::kTearingDown;
        break;
      }
      m.cv.wait(lock);  // an async teardown of it is running; retry if it failed
    }
  }
  return m.FinishTeardown(task_id);
}

void TaskNetworkManager::TeardownAsync(const std::string& task_id) {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    auto it = m.tasks.find(task_id);
    if (it == m.tasks.end() || it->second.phase != Impl::Phase::kReady) return;
    if (!m.stop) {
      it->second.phase = Impl::Phase::kTearingDown;
      m.teardown_queue.push_back(task_id);
      m.cv.notify_all();
      return;
    }
  }
  (void)Teardown(task_id);  // closed: no worker left
}

Result<void> TaskNetworkManager::GarbageCollect(const std::set<std::string>& live_task_ids) {
  Impl& m = *impl_;
  std::vector<std::string> victims;
  {
    std::lock_guard lock(m.mu);
    for (const auto& [id, st] : m.tasks)
      if (!live_task_ids.count(id) && st.phase == Impl::Phase::kReady) victims.push_back(id);
  }
  std::optional<Error> first;
  for (const auto& id : victims) {
    spdlog::info("network: garbage-collecting attachment of task {}", id);
    if (auto t = Teardown(id); !t.ok() && !first) first = t.error();
  }
  // Pool entries not adopted by this process (stale, or beyond warm_pool).
  std::set<std::string> current;
  {
    std::lock_guard lock(m.mu);
    for (const auto& e : m.pool) current.insert(e.owner);
    current.insert(m.pool_inflight.begin(), m.pool_inflight.end());
  }
  for (const auto& id : ListRecords(m.pool_dir)) {
    if (current.count(id)) continue;
    auto text = ReadFile(m.RecordPath(m.pool_dir, id));
    auto rec = text.ok() ? ParseRecord(*text) : Result<AttachmentRecord>(text.error());
    auto d = rec.ok() ? DestroyAttachment(m.opts.cni_bin_dir, *rec) : DeleteNetns(id);
    if (d.ok() && rec.ok())
      m.DropRecord(m.pool_dir, *rec);
    else if (d.ok())
      m.RemoveRecord(m.pool_dir, id);
    else if (!first)
      first = d.error();
  }
  for (const auto& name : ListNetns())
    if (name.starts_with(PoolPrefix(m.opts.bridge)) && !current.count(name) &&
        !PathExists(m.RecordPath(m.pool_dir, name)))
      (void)DeleteNetns(name);
  if (first) return *first;
  return Ok();
}

NetworkStats TaskNetworkManager::Stats() const {
  std::lock_guard lock(impl_->mu);
  NetworkStats s = impl_->stats;
  s.warm_ready = impl_->pool.size();
  s.ips_allocated = impl_->ips.size();
  return s;
}

Result<void> TaskNetworkManager::DrainPool() {
  Close();
  Impl& m = *impl_;
  std::deque<AttachmentRecord> entries;
  {
    std::lock_guard lock(m.mu);
    entries.swap(m.pool);
  }
  std::optional<Error> first;
  for (const auto& e : entries) {
    if (auto d = DestroyAttachment(m.opts.cni_bin_dir, e); !d.ok()) {
      if (!first) first = d.error();
      continue;
    }
    m.DropRecord(m.pool_dir, e);
  }
  if (first) return *first;
  return Ok();
}

void TaskNetworkManager::Close() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return;
    impl_->closed = true;
    impl_->stop = true;
    impl_->cv.notify_all();
  }
  if (impl_->worker.joinable()) impl_->worker.join();
}

Result<void> TaskNetworkManager::Uninstall(const NetworkOptions& opts) {
  if (opts.state_dir.empty() || !ValidBridgeName(opts.bridge))
    return MakeError(ErrorCode::kInvalidArgument, "Uninstall needs a state_dir and a bridge");
  GANTRY_ASSIGN_OR_RETURN(Fd lock, LockStateDir(opts.state_dir));
  std::optional<Error> first;
  auto note = [&](Result<void> r) {
    if (!r.ok() && !first) first = r.error();
  };
  for (const std::string sub : {"tasks", "pool"}) {
    const std::string dir = opts.state_dir + "/" + sub;
    for (const auto& id : ListRecords(dir)) {
      auto text = ReadFile(dir + "/" + id + ".json");
      auto rec = text.ok() ? ParseRecord(*text) : Result<AttachmentRecord>(text.error());
      note(rec.ok() ? DestroyAttachment(opts.cni_bin_dir, *rec) : DeleteNetns(id));
    }
  }
  for (const auto& name : ListNetns())
    if (name.starts_with(PoolPrefix(opts.bridge))) note(DeleteNetns(name));
  if (auto subnet = ParseIpv4Net(opts.subnet); subnet.ok())
    note(RemoveHostRules(*subnet, opts.bridge));
  note(RemoveIdlePortmapChains());
  note(DeleteBridge(opts.bridge));
  if (first) return *first;  // keep the records so a retry can finish
  for (const std::string sub : {"tasks", "pool"})
    note(RemoveTree(opts.state_dir + "/" + sub));
  if (first) return *first;
  return Ok();
}

}  // namespace gantry::network
