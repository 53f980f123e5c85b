// Port mapping rules for task networking: validation/normalisation per network mode (pure) and
// the probe that a host port is free of host listeners (portmap itself never checks).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "network/task_network_manager.h"

namespace gantry::network {

// "awsvpc"/"bridge"/"" -> "awsvpc"; "host"; "none"; anything else kInvalidArgument.
Result<std::string> NormalizeNetworkMode(const std::string& mode);

// Checks ranges and protocols, lower-cases protocols, rejects a host port used twice. In host
// mode the host port is the container port (hostPort must be 0 or equal); in none mode no host
// port is allowed.
Result<std::vector<PortMapping>> NormalizePorts(const std::string& mode,
                                                const std::vector<PortMapping>& ports);

// "8080/tcp"
std::string HostPortKey(const PortMapping& p);

// False when a socket on the host already holds <protocol> port host_port on any address.
bool HostPortFreeOnHost(const PortMapping& p);

}  // namespace gantry::network
