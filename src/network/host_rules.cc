#include "network/host_rules.h"

#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/process.h"

namespace gantry::network {

namespace {

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream ss{std::string(line)};
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

// /proc/net/route prints addresses as the raw __be32 in native (little-endian) hex.
uint32_t ProcHexToIp(const std::string& hex) {
  uint32_t raw = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  return __builtin_bswap32(raw);
}

Result<ProcessResult> Iptables(std::vector<std::string> args) {
  ProcessOptions po;
  po.argv = {"iptables", "-w"};
  for (auto& a : args) po.argv.push_back(std::move(a));
  return RunProcess(po);
}

struct RuleSpec {
  std::string table;
  std::string chain;
  std::vector<std::string> args;
};

std::vector<RuleSpec> Rules(const Ipv4Net& net, const std::string& bridge) {
  const std::string cidr = net.ToString();
  const std::string comment = RuleComment(bridge);
  return {
      {"nat",
       "POSTROUTING",
       {"-s", cidr, "!", "-d", cidr, "-m", "comment", "--comment", comment, "-j", "MASQUERADE"}},
      {"filter", "FORWARD", {"-i", bridge, "-m", "comment", "--comment", comment, "-j", "ACCEPT"}},
      {"filter", "FORWARD", {"-o", bridge, "-m", "comment", "--comment", comment, "-j", "ACCEPT"}},
  };
}

std::vector<std::string> With(std::vector<std::string> head, const RuleSpec& r) {
  head.insert(head.end(), r.args.begin(), r.args.end());
  return head;
}

}  // namespace

std::string RuleComment(const std::string& bridge) { return "gantry:" + bridge; }

std::optional<std::string> FindOverlappingRoute(std::string_view proc_net_route, const Ipv4Net& net,
                                                const std::string& bridge) {
  std::istringstream in{std::string(proc_net_route)};
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    auto w = Words(line);
    if (w.size() < 8) continue;
    try {
      uint32_t dst = ProcHexToIp(w[1]);
      uint32_t mask = ProcHexToIp(w[7]);
      int prefix = __builtin_popcount(mask);
      if (prefix == 0 || w[0] == bridge) continue;
      Ipv4Net route{dst & mask, prefix};
      if (Overlaps(route, net)) return route.ToString() + " dev " + w[0];
    } catch (const std::exception&) {
      continue;
    }
  }
  return std::nullopt;
}

Result<void> CheckSubnetFree(const Ipv4Net& net, const std::string& bridge) {
  GANTRY_ASSIGN_OR_RETURN(std::string routes, ReadFile("/proc/net/route"));
  if (auto hit = FindOverlappingRoute(routes, net, bridge))
    return MakeError(ErrorCode::kFailedPrecondition,
                     "task subnet {} overlaps the host route {}; choose another subnet",
                     net.ToString(), *hit);
  return Ok();
}

Result<void> EnsureHostRules(const Ipv4Net& net, const std::string& bridge) {
  for (const auto& r : Rules(net, bridge)) {
    GANTRY_ASSIGN_OR_RETURN(auto check, Iptables(With({"-t", r.table, "-C", r.chain}, r)));
    if (check.exit_code == 0) continue;
    // Insert at the top: a host FORWARD policy of DROP (e.g. left by docker) must not win.
    GANTRY_ASSIGN_OR_RETURN(auto add, Iptables(With({"-t", r.table, "-I", r.chain, "1"}, r)));
    if (add.exit_code != 0)
      return MakeError(ErrorCode::kInternal, "iptables -t {} -I {} for {} failed: {}", r.table,
                       r.chain, bridge, add.err);
  }
  return Ok();
}

Result<void> RemoveHostRules(const Ipv4Net& net, const std::string& bridge) {
  for (const auto& r : Rules(net, bridge)) {
    for (int i = 0; i < 16; ++i) {  // every copy, bounded
      GANTRY_ASSIGN_OR_RETURN(auto del, Iptables(With({"-t", r.table, "-D", r.chain}, r)));
      if (del.exit_code != 0) break;
    }
  }
  return Ok();
}

Result<void> RemoveIdlePortmapChains() {
  ProcessOptions po;
  po.argv = {"iptables-save", "-t", "nat"};
  GANTRY_ASSIGN_OR_RETURN(auto save, RunProcess(po));
  if (save.exit_code != 0) return MakeError(ErrorCode::kInternal, "iptables-save: {}", save.err);
  static const char* kShared[] = {"CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"};
  std::istringstream in(save.out);
  std::string line;
  std::vector<std::string> dels;
  std::vector<std::string> present;
  while (std::getline(in, line)) {
    if (line.starts_with(":CNI-DN-") || line.starts_with("-A CNI-HOSTPORT-DNAT ")) return Ok();
    for (const char* c : kShared) {
      if (line.starts_with(std::string(":") + c + " ")) present.emplace_back(c);
      if (line.starts_with("-A ") && line.ends_with(std::string(" -j ") + c) &&
          !line.starts_with("-A CNI-"))
        dels.push_back("-D" + line.substr(2));
    }
  }
  if (present.empty()) return Ok();
  std::string script = "*nat\n";
  for (const auto& d : dels) script += d + "\n";
  for (const auto& c : present) script += "-F " + c + "\n";
  for (const auto& c : present) script += "-X " + c + "\n";
  script += "COMMIT\n";
  ProcessOptions rp;
  rp.argv = {"iptables-restore", "-w", "--noflush"};
  rp.stdin_data = script;
  GANTRY_ASSIGN_OR_RETURN(auto restore, RunProcess(rp));
  if (restore.exit_code != 0)
    return MakeError(ErrorCode::kInternal, "removing idle portmap chains: {}", restore.err);
  return Ok();
}

Result<void> DeleteBridge(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return MakeError(ErrorCode::kInvalidArgument, "invalid bridge name '{}'", name);
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return ErrnoError("socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) {
    if (errno == ENODEV) return Ok();
    return ErrnoError("SIOCGIFFLAGS " + name, errno);
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) return ErrnoError("down " + name, errno);
  char buf[IFNAMSIZ] = {};
  std::strncpy(buf, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCBRDELBR, buf) != 0 && errno != ENXIO && errno != ENODEV)
    return ErrnoError("delete bridge " + name, errno);
  return Ok();
}

}  // namespace gantry::network
