#include "network/port_mappings.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "common/fd.h"

namespace gantry::network {

Result<std::string> NormalizeNetworkMode(const std::string& mode) {
  if (mode.empty() || mode == "awsvpc" || mode == "bridge") return std::string("awsvpc");
  if (mode == "host" || mode == "none") return mode;
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown network mode '{}' (expected awsvpc, bridge, host or none)", mode);
}

std::string HostPortKey(const PortMapping& p) {
  return std::to_string(p.host_port) + "/" + p.protocol;
}

Result<std::vector<PortMapping>> NormalizePorts(const std::string& mode,
                                                const std::vector<PortMapping>& ports) {
  std::vector<PortMapping> out;
  std::set<std::string> seen;
  for (PortMapping p : ports) {
    std::transform(p.protocol.begin(), p.protocol.end(), p.protocol.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (p.protocol.empty()) p.protocol = "tcp";
    if (p.protocol != "tcp" && p.protocol != "udp")
      return MakeError(ErrorCode::kInvalidArgument, "port mapping protocol '{}' must be tcp or udp",
                       p.protocol);
    if (p.container_port < 1 || p.container_port > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "containerPort {} is out of range 1-65535",
                       p.container_port);
    if (p.host_port < 0 || p.host_port > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "hostPort {} is out of range 1-65535",
                       p.host_port);
    if (mode == "host") {
      if (p.host_port != 0 && p.host_port != p.container_port)
        return MakeError(ErrorCode::kInvalidArgument,
                         "in host network mode hostPort ({}) must equal containerPort ({})",
                         p.host_port, p.container_port);
      p.host_port = p.container_port;
    }
    if (mode == "none" && p.host_port != 0)
      return MakeError(ErrorCode::kInvalidArgument, "network mode none cannot publish host port {}",
                       p.host_port);
    if (p.host_port != 0 && !seen.insert(HostPortKey(p)).second)
      return MakeError(ErrorCode::kInvalidArgument, "host port {} is mapped twice", HostPortKey(p));
    out.push_back(std::move(p));
  }
  return out;
}

bool HostPortFreeOnHost(const PortMapping& p) {
  const bool tcp = p.protocol == "tcp";
  Fd s(::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
  if (!s.valid()) return true;  // cannot probe: let the mapping proceed
  if (tcp) {
    int one = 1;  // ignore TIME_WAIT leftovers; a listener still makes bind fail
    ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(p.host_port));
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return errno != EADDRINUSE;
  return true;
}

}  // namespace gantry::network
