// The host side of task networking that is shared by all tasks: the subnet/route collision check,
// one static MASQUERADE rule for the whole task subnet (instead of a per-task ipMasq chain),
// FORWARD accepts for the bridge, and their removal. Every rule carries the comment
// "gantry:<bridge>" so it can be found and removed without touching anyone else's rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "network/ipv4_net.h"

namespace gantry::network {

// Pure: given /proc/net/route text, the first route (other than default routes and routes on
// `bridge`) that overlaps `net`, described as "10.0.0.0/8 dev eth0".
std::optional<std::string> FindOverlappingRoute(std::string_view proc_net_route, const Ipv4Net& net,
                                                const std::string& bridge);

// kFailedPrecondition when the task subnet overlaps a host route on another device.
Result<void> CheckSubnetFree(const Ipv4Net& net, const std::string& bridge);

std::string RuleComment(const std::string& bridge);

// Idempotent: nat POSTROUTING -s net ! -d net -j MASQUERADE; filter FORWARD -i/-o bridge ACCEPT.
Result<void> EnsureHostRules(const Ipv4Net& net, const std::string& bridge);
// Removes what EnsureHostRules installed (every copy). Idempotent.
Result<void> RemoveHostRules(const Ipv4Net& net, const std::string& bridge);
// portmap leaves its shared CNI-HOSTPORT-{DNAT,SETMARK,MASQ} chains and their jumps behind even
// after a correct DEL. Removes them only when no CNI-DN-* chain (anyone's port mapping) remains.
Result<void> RemoveIdlePortmapChains();

// Sets the bridge down and deletes it (SIOCBRDELBR). Absent bridge is fine.
Result<void> DeleteBridge(const std::string& name);

}  // namespace gantry::network
