// bench/netns_setup: how long a task's network takes on the launch path. Compares
// TaskNetworkManager::Setup served from the warm pool, Setup made on the fly (cold), and the
// baseline of a bare `ip netns add` + `ip link set lo up` + CNI bridge ADD (with and without
// ipMasq), each with its teardown. Needs root and /usr/lib/cni. Usage:
//   netns_setup [--n 40] [--subnet 10.215.0.0/24] [--bridge gbenchXXXX] [--settle-ms 0]
// --settle-ms waits (untimed) between iterations, so a Setup does not overlap the kernel's
// asynchronous destruction of the previous iteration's namespace.
#include <unistd.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/ids.h"
#include "common/process.h"
#include "network/cni_plugin.h"
#include "network/task_network_manager.h"

using namespace gantry;
using namespace gantry::network;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

int g_settle_ms = 0;

struct Row {
  std::string name;
  std::vector<double> ms;
};

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double TimeMs(const std::function<void()>& f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void Die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "netns_setup: %s: %s\n", what.c_str(), e.message.c_str());
  std::exit(1);
}

void Must(const std::string& what, const Result<void>& r) {
  if (!r.ok()) Die(what, r.error());
}

void Run(std::vector<std::string> argv) {
  ProcessOptions po;
  po.argv = std::move(argv);
  auto r = RunProcess(po);
  if (!r.ok()) Die(po.argv[0], r.error());
  if (r->exit_code != 0) Die(po.argv[0] + " " + po.argv[1], Error{ErrorCode::kInternal, r->err});
}

void WaitPoolFull(TaskNetworkManager& m, size_t n) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (m.Stats().warm_ready < n && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

// Setup/Teardown through the manager; with warm_pool > 0 the pool is refilled (untimed)
// before every iteration so each Setup is a claim.
void BenchManager(const NetworkOptions& base, int warm_pool, bool with_port, int n, Row& setup,
                  Row& teardown) {
  NetworkOptions o = base;
  o.warm_pool = warm_pool;
  auto m = TaskNetworkManager::Open(o);
  if (!m.ok()) Die("Open", m.error());
  for (int i = 0; i < n; ++i) {
    if (warm_pool > 0) WaitPoolFull(**m, static_cast<size_t>(warm_pool));
    // Let the kernel finish destroying the previous namespace (cleanup_net runs in a kworker).
    std::this_thread::sleep_for(std::chrono::milliseconds(g_settle_ms));
    std::string id = RandomHex(32);
    std::vector<PortMapping> ports;
    if (with_port) ports.push_back({8080, 28080 + i % 1000, "tcp"});
    Result<Attachment> a = Error{};
    setup.ms.push_back(TimeMs([&] { a = (*m)->Setup(id, "awsvpc", ports, ""); }));
    if (!a.ok()) Die("Setup", a.error());
    teardown.ms.push_back(TimeMs([&] { Must("Teardown", (*m)->Teardown(id)); }));
  }
  (*m)->Close();
}

// The baseline: what a runtime does without a pool, with ip(8) and one CNI call.
void BenchBare(const NetworkOptions& base, bool ip_masq, int n, Row& setup, Row& teardown) {
  const std::string ipam = base.state_dir + "/bare-ipam";
  json::object conf{
      {"cniVersion", kCniVersion},
      {"name", "bare-" + base.bridge},
      {"type", "bridge"},
      {"bridge", base.bridge},
      {"isGateway", true},
      {"ipMasq", ip_masq},
      {"hairpinMode", true},
      {"ipam",
       json::object{{"type", "host-local"},
                    {"ranges", json::array{json::array{json::object{{"subnet", base.subnet}}}}},
                    {"routes", json::array{json::object{{"dst", "0.0.0.0/0"}}}},
                    {"dataDir", ipam}}},
  };
  for (int i = 0; i < n; ++i) {
    std::string name = "gbench-" + RandomHex(8);
    CniCall call{"ADD", name, "/run/netns/" + name, "eth0"};
    setup.ms.push_back(TimeMs([&] {
      Run({"ip", "netns", "add", name});
      Run({"ip", "-n", name, "link", "set", "lo", "up"});
      auto r = InvokeCni(base.cni_bin_dir, call, conf);
      if (!r.ok()) Die("bare ADD", r.error());
    }));
    call.command = "DEL";
    teardown.ms.push_back(TimeMs([&] {
      auto r = InvokeCni(base.cni_bin_dir, call, conf);
      if (!r.ok()) Die("bare DEL", r.error());
      Run({"ip", "netns", "del", name});
    }));
  }
  (void)RemoveTree(ipam);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 40;
  NetworkOptions base;
  base.subnet = "10.215.0.0/24";
  base.bridge = "gbench" + RandomHex(4);
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--n")
      n = std::atoi(argv[i + 1]);
    else if (k == "--subnet")
      base.subnet = argv[i + 1];
    else if (k == "--bridge")
      base.bridge = argv[i + 1];
    else if (k == "--settle-ms")
      g_settle_ms = std::atoi(argv[i + 1]);
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "netns_setup: needs root\n");
    return 2;
  }
  base.state_dir = "/tmp/gantry-netns-bench-" + RandomHex(8);

  // Rows in print order (created before the calls: argument evaluation order is unspecified).
  std::vector<Row> rows = {
      {"Setup awsvpc, warm pool claim", {}},
      {"  Teardown (sync: bridge DEL + netns del)", {}},
      {"Setup awsvpc + hostPort, warm claim + portmap ADD", {}},
      {"  Teardown (portmap DEL, bridge DEL, netns del)", {}},
      {"Setup awsvpc, cold (netns + bridge ADD)", {}},
      {"  Teardown (bridge DEL + netns del)", {}},
      {"bare ip netns add + lo up + bridge ADD (no ipMasq)", {}},
      {"  bridge DEL + ip netns del", {}},
      {"bare ip netns add + lo up + bridge ADD (ipMasq)", {}},
      {"  bridge DEL + ip netns del", {}},
  };
  BenchManager(base, 4, false, n, rows[0], rows[1]);
  BenchManager(base, 4, true, n, rows[2], rows[3]);
  BenchManager(base, 0, false, n, rows[4], rows[5]);
  BenchBare(base, false, n, rows[6], rows[7]);
  BenchBare(base, true, n, rows[8], rows[9]);
  Must("Uninstall", TaskNetworkManager::Uninstall(base));
  (void)RemoveTree(base.state_dir);

  double load[3] = {0, 0, 0};
  (void)::getloadavg(load, 3);
  std::printf(
      "netns_setup: n=%d per row, settle %d ms, %u cores, load avg %.1f, bridge %s, subnet %s\n", n,
      g_settle_ms, std::thread::hardware_concurrency(), load[0], base.bridge.c_str(),
      base.subnet.c_str());
  std::printf("| %-52s | %8s | %8s | %8s | %8s |\n", "operation", "p50 ms", "p99 ms", "min ms",
              "max ms");
  std::printf("|%s|----------|----------|----------|----------|\n", std::string(54, '-').c_str());
  for (const auto& r : rows)
    std::printf("| %-52s | %8.2f | %8.2f | %8.2f | %8.2f |\n", r.name.c_str(), Pct(r.ms, 0.5),
                Pct(r.ms, 0.99), Pct(r.ms, 0.0), Pct(r.ms, 1.0));
  return 0;
}
