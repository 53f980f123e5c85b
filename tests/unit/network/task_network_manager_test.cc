// TaskNetworkManager against the real kernel and CNI plugins (root): reachability between tasks
// and from the host, host ports, conflicts, IP exhaustion and reuse, warm pool, crash + GC, and
// that nothing is left behind (veths, namespaces, IPs, iptables rules, the bridge).
#include "network/task_network_manager.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/ids.h"
#include "common/process.h"
#include "network/attachment_record.h"
#include "network/ipv4_net.h"
#include "network/netns.h"
#include "network/port_mappings.h"
#include "network/veth.h"

namespace gantry::network {
namespace {

using namespace std::chrono_literals;

int RandomInt(int lo, int hi) {
  static std::mt19937 rng(std::random_device{}());
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d))
    if (std::string n = e->d_name; n != "." && n != "..") out.push_back(n);
  ::closedir(d);
  return out;
}

std::string IptablesSave() {
  ProcessOptions po;
  po.argv = {"iptables-save"};
  auto r = RunProcess(po);
  return r.ok() ? r->out : "";
}

// busybox wget from the host, or from inside a namespace through nsenter.
Result<ProcessResult> Wget(const std::string& netns, const std::string& url) {
  ProcessOptions po;
  po.argv = {"timeout", "5"};  // not wget -T: busybox 1.35's wget segfaults with it
  if (!netns.empty()) {
    po.argv.emplace_back("nsenter");
    po.argv.push_back("--net=" + netns);
  }
  for (const char* a : {"/bin/busybox", "wget", "-q", "-O-"}) po.argv.emplace_back(a);
  po.argv.push_back(url);
  po.env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};  // no proxies
  return RunProcess(po);
}

// A /proc/sys file as seen from inside a namespace ("" = the host's), trimmed; "" if unreadable.
std::string SysctlIn(const std::string& netns, const std::string& path) {
  ProcessOptions po;
  if (!netns.empty()) po.argv = {"nsenter", "--net=" + netns};
  po.argv.emplace_back("cat");
  po.argv.push_back(path);
  auto r = RunProcess(po);
  if (!r.ok() || r->exit_code != 0) return "";
  std::string s = r->out;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// busybox httpd -f in a namespace, serving one file; killed and reaped on destruction.
class Httpd {
 public:
  Httpd(const std::string& netns, int port, const std::string& body) {
    dir_ = "/tmp/gantry-httpd-" + RandomHex(8);
    (void)MakeDirs(dir_);
    (void)WriteFileAtomic(dir_ + "/index.html", body);
    std::vector<std::string> args = {"/usr/bin/nsenter",
                                     "--net=" + netns,
                                     "/bin/busybox",
                                     "httpd",
                                     "-f",
                                     "-p",
                                     std::to_string(port),
                                     "-h",
                                     dir_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    char* envp[] = {nullptr};
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp) != 0) pid_ = -1;
  }
  ~Httpd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    (void)RemoveTree(dir_);
  }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

// Polls until the URL answers with `body` (httpd needs a moment to listen).
bool Serves(const std::string& netns, const std::string& url, const std::string& body) {
  return WaitFor([&] {
    auto r = Wget(netns, url);
    return r.ok() && r->exit_code == 0 && r->out == body;
  });
}

class TaskNetworkManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (::access("/usr/lib/cni/bridge", X_OK) != 0) GTEST_SKIP() << "no CNI plugins";
    opts_.state_dir = "/tmp/gantry-net-test-" + RandomHex(8);
    opts_.bridge = "gtn" + RandomHex(8);
    opts_.subnet = "10.214." + std::to_string(RandomInt(1, 250)) + ".0/24";
    opts_.warm_pool = 0;
    iptables_before_ = IptablesSave();
  }

  void TearDown() override {
    if (opts_.state_dir.empty()) return;
    mgr_.reset();
    auto u = TaskNetworkManager::Uninstall(opts_);
    EXPECT_TRUE(u.ok()) << u.error().message;
    // Nothing of ours is left on the host.
    EXPECT_FALSE(PathExists("/sys/class/net/" + opts_.bridge));
    const std::string rules = IptablesSave();
    EXPECT_EQ(rules.find(opts_.bridge), std::string::npos) << rules;
    for (const auto& n : ListNetns()) {
      EXPECT_FALSE(n.starts_with("pool-" + opts_.bridge));
      for (const auto& id : ids_) EXPECT_NE(n, id);
    }
    // Shared portmap chains only if they were there before us.
    if (iptables_before_.find("CNI-HOSTPORT-DNAT") == std::string::npos) {
      EXPECT_EQ(rules.find("CNI-HOSTPORT-DNAT"), std::string::npos);
    }
    (void)RemoveTree(opts_.state_dir);
  }

  void Open() {
    auto m = TaskNetworkManager::Open(opts_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    mgr_ = std::move(*m);
  }

  std::string NewId() {
    ids_.push_back(RandomHex(32));
    return ids_.back();
  }

  std::vector<std::string> BridgePorts() const {
    return DirEntries("/sys/class/net/" + opts_.bridge + "/brif");
  }
  // Addresses held according to the records on disk (what a restarted manager rebuilds its IPAM
  // from).
  std::vector<std::string> IpamAllocations() const {
    std::vector<std::string> ips;
    for (const std::string sub : {"/tasks", "/pool"})
      for (const auto& n : DirEntries(opts_.state_dir + sub)) {
        auto text = ReadFile(opts_.state_dir + sub + "/" + n);
        auto rec = text.ok() ? ParseRecord(*text) : Result<AttachmentRecord>(text.error());
        if (rec.ok() && !rec->ipv4.empty()) ips.push_back(rec->ipv4);
      }
    return ips;
  }
  std::vector<std::string> TaskRecords() const { return DirEntries(opts_.state_dir + "/tasks"); }
  bool HasNetns(const std::string& id) const {
    auto names = ListNetns();
    return std::find(names.begin(), names.end(), id) != names.end();
  }
  int FreeHostPort() const {
    for (;;) {
      int p = RandomInt(20000, 40000);
      if (HostPortFreeOnHost({80, p, "tcp"})) return p;
    }
  }

  NetworkOptions opts_;
  std::unique_ptr<TaskNetworkManager> mgr_;
  std::vector<std::string> ids_;
  std::string iptables_before_;
};

TEST_F(TaskNetworkManagerTest, TwoTasksGetDistinctIpsAndReachEachOtherAndTheHost) {
  opts_.warm_pool = 2;
  Open();
  // Outbound NAT: one static rule for the subnet, not one chain per task.
  const std::string rules = IptablesSave();
  EXPECT_NE(rules.find("-A POSTROUTING -s " + opts_.subnet + " ! -d " + opts_.subnet +
                       " -m comment --comment \"gantry:" + opts_.bridge + "\" -j MASQUERADE"),
            std::string::npos)
      << rules;
  const std::string a_id = NewId(), b_id = NewId();
  auto a = mgr_->Setup(a_id, "awsvpc", {}, "task-a");
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = mgr_->Setup(b_id, "bridge", {}, "");
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto subnet = *ParseIpv4Net(opts_.subnet);
  EXPECT_NE(a->ipv4, b->ipv4);
  EXPECT_TRUE(subnet.Contains(*ParseIpv4(a->ipv4)));
  EXPECT_TRUE(subnet.Contains(*ParseIpv4(b->ipv4)));
  EXPECT_EQ(a->subnet_cidr, opts_.subnet);
  EXPECT_EQ(a->gateway, FormatIpv4(subnet.addr + 1));
  EXPECT_EQ(a->netns_path, std::string(kNetnsDir) + "/" + a_id);
  EXPECT_EQ(a->mode, "awsvpc");
  EXPECT_EQ(b->mode, "awsvpc");
  EXPECT_EQ(a->mac, MacForIp(*ParseIpv4(a->ipv4)));  // 0a:58:<ip>: stable per address
  EXPECT_EQ(a->hostname, "task-a");
  // IPv4-only subnet: no IPv6 on either end of the veth, loopback keeps ::1.
  EXPECT_EQ(SysctlIn(a->netns_path, "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"), "1");
  EXPECT_EQ(SysctlIn(a->netns_path, "/proc/sys/net/ipv6/conf/lo/disable_ipv6"), "0");
  for (const auto& port : BridgePorts())
    EXPECT_EQ(SysctlIn("", "/proc/sys/net/ipv6/conf/" + port + "/disable_ipv6"), "1") << port;
  // One manager per state dir: a second one would collect the first one's attachments.
  auto second = TaskNetworkManager::Open(opts_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition) << second.error().message;
  EXPECT_EQ(
      b->hostname, "ip-" + [&] {
        std::string s = b->ipv4;
        std::replace(s.begin(), s.end(), '.', '-');
        return s;
      }());
  // Setup is idempotent and Get works.
  auto again = mgr_->Setup(a_id, "awsvpc", {}, "task-a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ipv4, a->ipv4);
  EXPECT_EQ(mgr_->Get(b_id)->ipv4, b->ipv4);

  Httpd httpd(a->netns_path, 8080, "hello from A\n");
  ASSERT_TRUE(httpd.running());
  const std::string url = "http://" + a->ipv4 + ":8080/";
  EXPECT_TRUE(Serves(b->netns_path, url, "hello from A\n")) << "B cannot reach A";
  EXPECT_TRUE(Serves("", url, "hello from A\n")) << "host cannot reach A";

  ASSERT_TRUE(mgr_->Teardown(a_id).ok());
  ASSERT_TRUE(mgr_->Teardown(b_id).ok());
  EXPECT_TRUE(mgr_->Teardown(b_id).ok());  // idempotent
  EXPECT_EQ(mgr_->Get(a_id).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(HasNetns(a_id));
  EXPECT_FALSE(HasNetns(b_id));
  EXPECT_TRUE(TaskRecords().empty());
}

TEST_F(TaskNetworkManagerTest, HostPortIsReachableOnLoopbackAndConflictsAreRejected) {
  opts_.warm_pool = 1;
  Open();
  const int host_port = FreeHostPort();
  const std::string id = NewId();
  auto a = mgr_->Setup(id, "awsvpc", {{8080, host_port, "tcp"}}, "web");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->ports.size(), 1u);
  Httpd httpd(a->netns_path, 8080, "mapped\n");
  EXPECT_TRUE(Serves("", "http://127.0.0.1:" + std::to_string(host_port) + "/", "mapped\n"));
  EXPECT_NE(IptablesSave().find("CNI-DN-"), std::string::npos);

  // Admission sees the same conflicts before anything is created.
  auto check = mgr_->CheckCapacity("awsvpc", {{80, host_port, "tcp"}}, 1);
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(check.error().message.find(id), std::string::npos) << check.error().message;
  auto twice = mgr_->CheckCapacity("bridge", {{80, host_port + 1, "tcp"}}, 2);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("one task only"), std::string::npos);
  EXPECT_TRUE(mgr_->CheckCapacity("bridge", {{80, host_port + 1, "tcp"}}, 1).ok());

  // Same host port again: rejected, nothing created.
  const std::string other = NewId();
  auto clash = mgr_->Setup(other, "awsvpc", {{80, host_port, "tcp"}}, "");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(clash.error().message.find(std::to_string(host_port) + "/tcp"), std::string::npos);
  EXPECT_NE(clash.error().message.find(id), std::string::npos) << clash.error().message;
  EXPECT_FALSE(HasNetns(other));
  // Host mode also reserves its ports.
  auto host_clash = mgr_->Setup(other, "host", {{host_port, 0, "tcp"}}, "");
  ASSERT_FALSE(host_clash.ok());
  EXPECT_EQ(host_clash.error().code, ErrorCode::kResourceExhausted);

  ASSERT_TRUE(mgr_->Teardown(id).ok());
  // portmap's per-task chain and DNAT rule are gone; the port is free again.
  const std::string rules = IptablesSave();
  EXPECT_EQ(rules.find("gantry-" + opts_.bridge), std::string::npos) << rules;
  EXPECT_EQ(rules.find("CNI-DN-"), std::string::npos) << rules;
  auto reuse = mgr_->Setup(other, "awsvpc", {{80, host_port, "tcp"}}, "");
  ASSERT_TRUE(reuse.ok()) << reuse.error().message;
  ASSERT_TRUE(mgr_->Teardown(other).ok());
}

TEST_F(TaskNetworkManagerTest, HostListenerOnThePortIsAConflict) {
  Open();
  // Our own test process listens on the port.
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(s, 1), 0);
  socklen_t len = sizeof sa;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&sa), &len);
  const int port = ntohs(sa.sin_port);
  const std::string id = NewId();
  auto r = mgr_->Setup(id, "awsvpc", {{80, port, "tcp"}}, "");
  ::close(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("in use by a process on the host"), std::string::npos);
  EXPECT_FALSE(HasNetns(id));
  EXPECT_TRUE(TaskRecords().empty());
}

TEST_F(TaskNetworkManagerTest, ExhaustedSubnetAndTeardownReleasesTheIp) {
  // /29: .1 is the gateway, .2-.6 are the five task addresses.
  opts_.subnet = "10.214." + std::to_string(RandomInt(1, 250)) + ".8/29";
  Open();
  std::vector<std::string> tasks;
  std::set<std::string> ips;
  for (int i = 0; i < 5; ++i) {
    tasks.push_back(NewId());
    auto a = mgr_->Setup(tasks.back(), "awsvpc", {}, "");
    ASSERT_TRUE(a.ok()) << i << ": " << a.error().message;
    ips.insert(a->ipv4);
  }
  EXPECT_EQ(ips.size(), 5u);
  EXPECT_EQ(BridgePorts().size(), 5u);
  auto check = mgr_->CheckCapacity("awsvpc", {}, 1);
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(check.error().message.find("no free IP in " + opts_.subnet), std::string::npos)
      << check.error().message;
  EXPECT_TRUE(mgr_->CheckCapacity("none", {}, 3).ok());
  const std::string extra = NewId();
  auto full = mgr_->Setup(extra, "awsvpc", {}, "");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(full.error().message, "no free IP in " + opts_.subnet);
  EXPECT_FALSE(HasNetns(extra));  // nothing half-created
  EXPECT_EQ(BridgePorts().size(), 5u);

  auto released = mgr_->Get(tasks[2]);
  ASSERT_TRUE(released.ok());
  ASSERT_TRUE(mgr_->Teardown(tasks[2]).ok());
  auto b = mgr_->Setup(extra, "awsvpc", {}, "");
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->ipv4, released->ipv4);  // the only free address: reused

  for (const auto& t : tasks) ASSERT_TRUE(mgr_->Teardown(t).ok());
  ASSERT_TRUE(mgr_->Teardown(extra).ok());
  EXPECT_TRUE(BridgePorts().empty());
  EXPECT_TRUE(IpamAllocations().empty());
  EXPECT_EQ(mgr_->Stats().ips_allocated, 0u);
  EXPECT_TRUE(TaskRecords().empty());
  for (const auto& t : ids_) EXPECT_FALSE(HasNetns(t));
}

TEST_F(TaskNetworkManagerTest, WarmPoolClaimIsServedFromThePoolAndRefills) {
  opts_.warm_pool = 2;
  Open();
  ASSERT_TRUE(WaitFor([&] { return mgr_->Stats().warm_ready == 2; })) << "pool never filled";
  EXPECT_EQ(BridgePorts().size(), 2u);
  const std::string id = NewId();
  auto a = mgr_->Setup(id, "awsvpc", {}, "");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(mgr_->Stats().warm_claims, 1u);
  EXPECT_EQ(mgr_->Stats().cold_setups, 0u);
  EXPECT_TRUE(HasNetns(id));
  ASSERT_TRUE(WaitFor([&] { return mgr_->Stats().warm_ready == 2; })) << "pool never refilled";
  EXPECT_EQ(BridgePorts().size(), 3u);
  EXPECT_EQ(IpamAllocations().size(), 3u);
  EXPECT_EQ(mgr_->Stats().ips_allocated, 3u);

  Httpd httpd(a->netns_path, 8080, "warm\n");
  EXPECT_TRUE(Serves("", "http://" + a->ipv4 + ":8080/", "warm\n"));

  // Async teardown: returns at once, finishes in the background.
  mgr_->TeardownAsync(id);
  ASSERT_TRUE(WaitFor([&] { return !HasNetns(id); }));
  ASSERT_TRUE(WaitFor([&] { return IpamAllocations().size() == 2u; }));
  EXPECT_TRUE(WaitFor([&] { return mgr_->Get(id).error().code == ErrorCode::kNotFound; }));

  // Pool entries survive Close and are adopted by the next Open.
  mgr_.reset();
  Open();
  EXPECT_EQ(mgr_->Stats().warm_ready, 2u);
}

TEST_F(TaskNetworkManagerTest, GarbageCollectAfterCrashRemovesEverythingNotLive) {
  opts_.warm_pool = 1;
  Open();
  const std::string dead = NewId(), dead_mapped = NewId(), live = NewId();
  const int host_port = FreeHostPort();
  ASSERT_TRUE(mgr_->Setup(dead, "awsvpc", {}, "").ok());
  ASSERT_TRUE(mgr_->Setup(dead_mapped, "awsvpc", {{80, host_port, "tcp"}}, "").ok());
  ASSERT_TRUE(mgr_->Setup(live, "none", {}, "").ok());
  ASSERT_TRUE(WaitFor([&] { return mgr_->Stats().warm_ready == 1; })) << "pool never refilled";
  mgr_.reset();  // "crash": no teardown
  EXPECT_TRUE(HasNetns(dead));
  opts_.warm_pool = 0;  // the old pool entry is now stale
  Open();
  EXPECT_EQ(mgr_->Stats().warm_ready, 0u);
  // The reopened manager knows every address the records hold: two tasks and the stale entry.
  EXPECT_EQ(IpamAllocations().size(), 3u);
  EXPECT_EQ(mgr_->Stats().ips_allocated, 3u);
  auto gc = mgr_->GarbageCollect({live});
  ASSERT_TRUE(gc.ok()) << gc.error().message;
  EXPECT_FALSE(HasNetns(dead));
  EXPECT_FALSE(HasNetns(dead_mapped));
  EXPECT_TRUE(HasNetns(live));
  EXPECT_TRUE(mgr_->Get(live).ok());
  EXPECT_EQ(mgr_->Get(dead).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(IpamAllocations().empty());
  EXPECT_EQ(mgr_->Stats().ips_allocated, 0u);
  EXPECT_TRUE(BridgePorts().empty());
  EXPECT_TRUE(DirEntries(opts_.state_dir + "/pool").empty());
  for (const auto& n : ListNetns()) EXPECT_FALSE(n.starts_with("pool-" + opts_.bridge));
  const std::string rules = IptablesSave();
  EXPECT_EQ(rules.find("gantry-" + opts_.bridge), std::string::npos) << rules;
  // The freed host port can be mapped again.
  auto again = mgr_->Setup(NewId(), "awsvpc", {{80, host_port, "tcp"}}, "");
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE(mgr_->GarbageCollect({}).ok());
  EXPECT_FALSE(HasNetns(live));
  EXPECT_TRUE(TaskRecords().empty());
}

TEST_F(TaskNetworkManagerTest, HostAndNoneModes) {
  Open();
  const std::string h = NewId(), n = NewId();
  auto host = mgr_->Setup(h, "host", {{18081, 0, "tcp"}}, "");
  ASSERT_TRUE(host.ok()) << host.error().message;
  EXPECT_EQ(host->netns_path, "");
  EXPECT_EQ(host->mode, "host");
  EXPECT_FALSE(host->ipv4.empty());
  EXPECT_EQ(host->ports[0].host_port, 18081);
  auto none = mgr_->Setup(n, "none", {}, "");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->netns_path, std::string(kNetnsDir) + "/" + n);
  EXPECT_EQ(none->ipv4, "");
  EXPECT_TRUE(BridgePorts().empty());
  EXPECT_EQ(mgr_->Setup(NewId(), "overlay", {}, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(mgr_->Setup("../x", "awsvpc", {}, "").error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(mgr_->Teardown(h).ok());
  ASSERT_TRUE(mgr_->Teardown(n).ok());
  EXPECT_FALSE(HasNetns(n));
  EXPECT_TRUE(TaskRecords().empty());
}

TEST_F(TaskNetworkManagerTest, SubnetOverlappingAHostRouteIsRejected) {
  auto routes = ReadFile("/proc/net/route");
  ASSERT_TRUE(routes.ok());
  // Take the first non-default host route and ask for a subnet inside it.
  std::istringstream in(*routes);
  std::string line, dev, dst, gw, flags, refcnt, use, metric, mask;
  std::getline(in, line);
  std::optional<Ipv4Net> route;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    ls >> dev >> dst >> gw >> flags >> refcnt >> use >> metric >> mask;
    uint32_t m = __builtin_bswap32(static_cast<uint32_t>(std::stoul(mask, nullptr, 16)));
    uint32_t d = __builtin_bswap32(static_cast<uint32_t>(std::stoul(dst, nullptr, 16)));
    int prefix = __builtin_popcount(m);
    if (prefix >= 8 && prefix <= 29 && dev.rfind("gtn", 0) != 0) {
      route = Ipv4Net{d & m, prefix};
      break;
    }
  }
  if (!route) GTEST_SKIP() << "no host route to collide with";
  opts_.subnet = route->ToString();
  auto m = TaskNetworkManager::Open(opts_);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(m.error().message.find("overlaps the host route"), std::string::npos);
}

}  // namespace
}  // namespace gantry::network
