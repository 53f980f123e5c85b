#include "server/server.h"

#include <linux/magic.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <cstdio>

#include "agent/agent.h"
#include "agent/container_config.h"
#include "agent/local_control_plane.h"
#include "api/front_door.h"
#include "api/http_server.h"
#include "api/native_api.h"
#include "aws/aws_frontend.h"
#include "aws/aws_services.h"
#include "aws/key_store.h"
#include "common/file_util.h"
#include "controllers/housekeeping.h"
#include "controllers/service_controller.h"
#include "controllers/task_scheduler.h"
#include "image/image_store.h"
#include "network/netns.h"
#include "network/task_network_manager.h"
#include "runtime/runtime.h"
#include "runtime/runtime_binary.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/log_store.h"
#include "store/store.h"

#ifndef GANTRY_VERSION
#define GANTRY_VERSION "0.1.0"
#endif

namespace gantry::server {

namespace {

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "gantry";
  buf[n] = 0;
  return buf;
}

// The small dedicated shim executable installed next to gantry (exe/gantry_shim.cc) starts
// faster than `gantry shim`; the main binary is the fallback (same arguments).
std::string ShimBinary(const std::string& self) {
  const auto slash = self.rfind('/');
  if (slash != std::string::npos) {
    std::string shim = self.substr(0, slash + 1) + "gantry-shim";
    if (::access(shim.c_str(), X_OK) == 0) return shim;
  }
  return self;
}

// Transient state (task records, bundles, shim state, network records, the OCI runtime's state)
// is lost on reboot together with the containers it describes, so it belongs on tmpfs, as /run
// is on most hosts. It is also rewritten several times per launch: on a disk filesystem every
// atomic rewrite allocates an inode and frees one, which ext4 without a journal makes slow (it
// skips inodes freed in the last minutes, scanning past them on every allocation). So when dir
// is not on tmpfs already, mount one there; it outlives the server like the containers do.
Result<void> EnsureTmpfs(const std::string& dir) {
  GANTRY_TRY(MakeDirs(dir));
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0) return ErrnoError("statfs " + dir, errno);
  if (st.f_type == TMPFS_MAGIC || st.f_type == RAMFS_MAGIC) return Ok();
  if (::mount("gantry", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=10%") != 0)
    return ErrnoError("mount tmpfs on " + dir, errno);
  return Ok();
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "gantry server: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int ServerMain(int argc, char** argv) {
  ServerOptions o;
  CLI::App app{"gantry server: the control plane and an agent for this machine"};
  app.add_option("--data-dir", o.data_dir, "state, images, logs and task directories")
      ->capture_default_str();
  app.add_option("--run-dir", o.run_dir,
                 "transient state lost on reboot with the containers (a tmpfs is mounted here "
                 "if it is not on one)")
      ->capture_default_str();
  app.add_option("--listen", o.listen, "HOST:PORT for the HTTP API (port 0 = any free port)")
      ->capture_default_str();
  app.add_option("--region", o.region, "region named in ARNs")->capture_default_str();
  app.add_option("--account-id", o.account_id, "account id named in ARNs")->capture_default_str();
  app.add_option("--runtime", o.runtime, "OCI runtime binary: crun or runc")->capture_default_str();
  app.add_option("--node-id", o.node_id, "id of the embedded agent's node")->capture_default_str();
  app.add_option("--bridge", o.bridge, "Linux bridge for awsvpc task networking")
      ->capture_default_str();
  app.add_option("--subnet", o.subnet, "IPv4 subnet for task IPs (must not overlap host routes)")
      ->capture_default_str();
  app.add_option("--warm-pool", o.warm_pool, "network namespaces kept ready for task launches")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_flag("!--no-agent", o.embedded_agent, "do not run an agent for this machine");
  bool cleanup_network = false;
  app.add_flag("--cleanup-network", cleanup_network,
               "remove gantry's task networking from this host (the bridge, its NAT/forward rules, "
               "warm-pool namespaces and attachments recorded under --data-dir) and exit; run it "
               "only while no server uses the bridge");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Logs go to stderr; stdout carries only the startup banner (its first line is the endpoint).
  spdlog::set_default_logger(spdlog::stderr_color_mt("gantry"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (o.account_id.size() != 12 || o.account_id.find_first_not_of("0123456789") != std::string::npos)
    return Fail("--account-id must be 12 digits");
  if (!model::IsValidName(o.node_id)) return Fail("--node-id must be letters, digits, - or _");

  // Signals are handled by sigwait below; every thread inherits the blocked mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  if (cleanup_network) {
    network::NetworkOptions no;
    no.state_dir = o.run_dir + "/network";
    no.bridge = o.bridge;
    no.subnet = o.subnet;
    if (auto r = network::TaskNetworkManager::Uninstall(no); !r.ok())
      return Fail("cleanup-network: " + r.error().message);
    std::printf("removed gantry networking (bridge %s, subnet %s)\n", o.bridge.c_str(),
                o.subnet.c_str());
    return 0;
  }
  if (auto r = MakeDirs(o.data_dir); !r.ok()) return Fail(r.error().message);
  if (auto r = EnsureTmpfs(o.run_dir); !r.ok()) return Fail("run dir: " + r.error().message);
  auto store = store::OpenSqliteStore(o.data_dir + "/state.db");
  if (!store.ok()) return Fail(store.error().message);
  auto logs = store::OpenSqliteLogStore(o.data_dir + "/logs.db");
  if (!logs.ok()) return Fail(logs.error().message);
  auto images = image::OpenImageStore(o.data_dir + "/images");
  if (!images.ok()) return Fail(images.error().message);

  const Clock& clock = SystemClock::Instance();
  model::Account account{o.region, o.account_id};
  services::TaskDefinitionService taskdefs(**store, clock, account);
  services::TaskService tasks(**store, clock, taskdefs);
  services::ServiceService service_svc(**store, clock, taskdefs, tasks);

  api::NativeApi native({**store, **logs, **images, taskdefs, tasks, service_svc, GANTRY_VERSION});
  // AWS surface: SigV4 keys (an admin key on first start), then the service adapters.
  aws::KeyStore keys(**store, clock);
  const std::string creds_path = o.data_dir + "/admin-credentials";
  auto admin_key = keys.EnsureAdminKey(creds_path);
  if (!admin_key.ok()) return Fail("access keys: " + admin_key.error().message);
  aws::AwsFrontend aws_front(keys, clock);
  if (auto r = aws::RegisterAwsServices(
          aws_front, {**store, **logs, taskdefs, tasks, service_svc, account, clock});
      !r.ok()) {
    return Fail("aws: " + r.error().message);
  }
  api::FrontDoor front(native, {&aws_front});

  controllers::TaskScheduler scheduler(**store, tasks);
  controllers::Housekeeping housekeeping(tasks, **logs, clock);
  controllers::ServiceController service_controller(**store, service_svc, taskdefs, clock);

  runtime::ShimRuntimeOptions ro;
  ro.runtime_binary = o.runtime;
  if (auto b = runtime::ReadOnlyRuntimeBinary(o.runtime, o.run_dir + "/bin"); b.ok())
    ro.runtime_binary = *b;
  else
    spdlog::warn("runtime: cannot bind {} read-only ({}): running it as is, and it re-executes "
                 "itself on every call",
                 o.runtime, b.error().message);
  ro.shim_binary = ShimBinary(SelfExe());
  // gantry-shim forks shims from a zygote; the full binary (`gantry shim`) is exec'd per task.
  ro.shim_zygote = ro.shim_binary.ends_with("/gantry-shim");
  ro.hidden_host_mounts = {network::kNetnsDir};
  ro.runtime_root = o.run_dir + "/" + o.runtime.substr(o.runtime.rfind('/') + 1);
  auto runtime = runtime::MakeShimRuntime(ro);
  network::NetworkOptions no;
  no.state_dir = o.run_dir + "/network";
  no.bridge = o.bridge;
  no.subnet = o.subnet;
  no.warm_pool = o.warm_pool;
  auto net_manager = network::TaskNetworkManager::Open(no);
  if (!net_manager.ok()) return Fail("network: " + net_manager.error().message);
  auto network = agent::MakeCniTaskNetwork(**net_manager);
  // Host ports and free task IPs are checked before RunTask creates anything (a 4xx, not a
  // task that fails to start). One node today; the scheduler takes this over with more.
  tasks.SetAdmission([&net_manager](const model::TaskDefinition& td, int count) -> Result<void> {
    return (*net_manager)->CheckCapacity(td.network_mode, agent::PortMappingsFor(td), count);
  });
  agent::LocalControlPlane cp(**store, **logs, taskdefs, tasks);
  agent::AgentOptions ao;
  ao.node_id = o.node_id;
  ao.state_dir = o.data_dir + "/agent";
  ao.run_dir = o.run_dir + "/agent";
  agent::Agent agent(ao, cp, **images, *runtime, *network, clock);

  api::HttpServerOptions ho;
  ho.listen = o.listen;
  auto http = api::StartHttpServer(ho, [&front](const api::HttpRequest& r) { return front.Handle(r); });
  if (!http.ok()) return Fail(http.error().message);

  scheduler.Start();
  service_controller.Start();
  housekeeping.Start();
  if (o.embedded_agent) {
    if (auto r = agent.Start(); !r.ok()) return Fail("agent: " + r.error().message);
  }

  std::string endpoint = "http://" + (*http)->Address();
  // The first stdout line is machine-readable for scripts and tests.
  std::printf("gantry server listening on %s\n", endpoint.c_str());
  std::printf("  data dir: %s   run dir: %s   runtime: %s   node: %s\n", o.data_dir.c_str(),
              o.run_dir.c_str(), o.runtime.c_str(), o.node_id.c_str());
  if (endpoint != kDefaultEndpoint) std::printf("  export GANTRY_ENDPOINT=%s\n", endpoint.c_str());
  if (*admin_key) {  // printed once, on the start that created it
    std::printf("  aws: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s (also in %s, mode 0600)\n",
                (*admin_key)->id.c_str(), (*admin_key)->secret.c_str(), creds_path.c_str());
  } else {
    std::printf("  aws: admin credentials in %s\n", creds_path.c_str());
  }
  std::printf("  try:  gantry run --wait busybox:latest -- echo hello\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("signal {}: shutting down (running containers keep running)", sig);
  (*http)->Stop();
  agent.Stop();
  service_controller.Stop();
  scheduler.Stop();
  housekeeping.Stop();
  // Pre-attached warm-pool namespaces are not kept across a clean shutdown (a new start refills
  // the pool in the background); task attachments stay with their running tasks.
  if (auto r = (*net_manager)->DrainPool(); !r.ok())
    spdlog::warn("network: draining the warm pool: {}", r.error().message);
  return 0;
}

}  // namespace gantry::server
