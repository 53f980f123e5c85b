// TaskNetworkManager: per-task networking in the awsvpc model (own netns, a veth pair on the node's
// bridge and an IP from the subnet, both done in-process over netlink; optional host ports through
// the CNI portmap plugin), plus "host" and "none" modes. Keeps a warm pool of namespaces already
// attached with an IP so launches only claim one.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::network {

struct PortMapping {
  int container_port = 0;
  int host_port = 0;             // 0 = no host port (reach the task on its own IP)
  std::string protocol = "tcp";  // "tcp" or "udp"
};

struct Attachment {
  std::string mode;        // "awsvpc", "host" or "none" ("bridge" is reported as awsvpc)
  std::string netns_path;  // "" for host networking
  std::string ipv4;        // task IP ("" for none; the host's primary IP for host)
  std::string gateway;
  std::string subnet_cidr;  // e.g. "10.213.0.0/16"
  std::string mac;
  std::string interface_name = "eth0";
  std::string hostname;            // what Setup was given, or "ip-a-b-c-d"
  std::vector<PortMapping> ports;  // host mode: host_port == container_port
};

struct NetworkOptions {
  std::string state_dir;  // e.g. <data>/network: one record per attachment (tasks/, pool/)
  std::string bridge = "gantry0";
  std::string subnet = "10.213.0.0/16";
  std::string cni_bin_dir = "/usr/lib/cni";
  int warm_pool = 8;  // namespaces kept attached and ready; 0 disables the pool
};

struct NetworkStats {
  size_t warm_ready = 0;       // pool entries ready to claim
  uint64_t warm_claims = 0;    // Setups served from the pool
  uint64_t cold_setups = 0;    // awsvpc Setups that ran CNI ADD on the launch path
  uint64_t pool_failures = 0;  // refill attempts that failed (retried with backoff)
  size_t ips_allocated = 0;    // task subnet addresses held by tasks and pool entries
};

class TaskNetworkManager {
 public:
  // Checks the subnet against host routes, installs the subnet's MASQUERADE and FORWARD rules
  // (once, idempotent), re-adopts stored attachments and warm-pool entries, starts the refiller.
  static Result<std::unique_ptr<TaskNetworkManager>> Open(NetworkOptions opts);

  // Removes everything `opts` ever created on this host: every stored attachment and pool entry
  // (CNI DEL + netns), the subnet's iptables rules, portmap's shared chains when no one uses them,
  // the bridge and the state files. Must not run while a manager on `opts` is open.
  static Result<void> Uninstall(const NetworkOptions& opts);

  ~TaskNetworkManager();
  TaskNetworkManager(const TaskNetworkManager&) = delete;
  TaskNetworkManager& operator=(const TaskNetworkManager&) = delete;

  // mode: "awsvpc" (default for ""), "bridge" (same as awsvpc), "host", "none". Idempotent for
  // a task already set up (returns its attachment). Errors: kInvalidArgument (mode, ports, id),
  // kResourceExhausted (host port taken, no free IP), kInternal (CNI/kernel failures); a failed
  // Setup leaves nothing behind.
  Result<Attachment> Setup(const std::string& task_id, const std::string& mode,
                           const std::vector<PortMapping>& ports, const std::string& hostname);
  // Admission check before tasks are created: would `count` tasks with this mode and these ports
  // get an IP and their host ports right now? kResourceExhausted naming the port or the subnet
  // when not; kInvalidArgument for a bad mode or ports. Advisory: Setup checks again.
  Result<void> CheckCapacity(const std::string& mode, const std::vector<PortMapping>& ports,
                             int count) const;

  // The attachment of a task set up earlier (also after a restart); kNotFound otherwise.
  Result<Attachment> Get(const std::string& task_id) const;
  // Replays the stored ADD configs as DEL (portmap first, then bridge), deletes the netns and the
  // record, releases IP and host ports. Idempotent; unknown ids are Ok.
  Result<void> Teardown(const std::string& task_id);
  // Same, on the background worker: returns at once. IP and host ports stay reserved until the
  // DEL is done; a crash in between is caught by GarbageCollect.
  void TeardownAsync(const std::string& task_id);
  // After a crash: tears down every stored attachment not in `live_task_ids` and stale warm-pool
  // entries.
  Result<void> GarbageCollect(const std::set<std::string>& live_task_ids);

  NetworkStats Stats() const;

  // Stops the refiller and destroys every ready warm-pool namespace (CNI DEL, netns, record).
  // For a server that shuts down for good, or one whose data dir is thrown away (tests).
  Result<void> DrainPool();
  // Stops the refiller after finishing queued async teardowns. Ready pool entries stay on the
  // host for the next Open to adopt. Idempotent; the destructor calls it.
  void Close();

 private:
  struct Impl;
  explicit TaskNetworkManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::network
