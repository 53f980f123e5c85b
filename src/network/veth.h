// The layer-2/3 plumbing of an awsvpc attachment done in-process over rtnetlink (libnl-route-3):
// the node's bridge with the subnet's gateway address, and per task a veth pair whose inner end is
// eth0 in the task's namespace (address, up, default route) and whose outer end is a port of the
// bridge. This is what the CNI bridge plugin did, without spawning two Go binaries per task
// (~12 ms of CPU each time); it costs well under a millisecond. Blocking calls; thread-safe (each
// call opens its own netlink sockets).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "network/ipv4_net.h"

namespace gantry::network {

// Creates the bridge if missing, gives it gateway/prefix (the subnet's first address) and sets it
// up. Idempotent.
Result<void> EnsureBridge(const std::string& bridge, const Ipv4Net& subnet);

struct VethSpec {
  std::string netns_path;   // the task's namespace (a bind mount of it)
  std::string host_ifname;  // outer end, <= 15 chars, unique on the host
  std::string ifname = "eth0";
  std::string bridge;
  uint32_t ip = 0;  // host byte order
  int prefix = 0;
  uint32_t gateway = 0;
  std::string mac;  // "0a:58:..." for the inner end
};

// Creates the pair, configures the inner end (mac, up, ip/prefix, default route via gateway) and
// enslaves the outer end to the bridge (hairpin on, up). On failure the pair is removed again.
// kAlreadyExists when host_ifname is taken.
Result<void> AttachVeth(const VethSpec& spec);

// Deletes a link of the host namespace by name (a veth takes its peer with it). Absent is Ok.
Result<void> DeleteLink(const std::string& ifname);

// Names of the bridge's ports (from /sys/class/net/<bridge>/brif); empty if no such bridge.
std::vector<std::string> BridgePorts(const std::string& bridge);

// Held around the calls here and namespace creation: they all take the kernel's RTNL lock, and
// threads contending for it spin on the CPU while its holder runs; waiting here sleeps instead.
std::mutex& RtnlMutex();

// "0a:58:" followed by the four bytes of ip: stable per address, so a reused IP keeps its MAC and
// peers' ARP caches stay right.
std::string MacForIp(uint32_t ip);

}  // namespace gantry::network
