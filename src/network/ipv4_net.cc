#include "network/ipv4_net.h"

#include <arpa/inet.h>

#include <charconv>

namespace gantry::network {

std::string Ipv4Net::ToString() const { return FormatIpv4(addr) + "/" + std::to_string(prefix); }

Result<uint32_t> ParseIpv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1)
    return MakeError(ErrorCode::kInvalidArgument, "invalid IPv4 address '{}'", text);
  return ntohl(a.s_addr);
}

std::string FormatIpv4(uint32_t ip) {
  in_addr a{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

Result<Ipv4Net> ParseIpv4Net(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR '{}': missing /prefix", text);
  GANTRY_ASSIGN_OR_RETURN(uint32_t ip, ParseIpv4(text.substr(0, slash)));
  std::string_view p = text.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > 32)
    return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR '{}': bad prefix length", text);
  Ipv4Net n{ip, prefix};
  if ((ip & n.Mask()) != ip)
    return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR '{}': host bits set (use {})", text,
                     Ipv4Net{ip & n.Mask(), prefix}.ToString());
  return n;
}

bool Overlaps(const Ipv4Net& a, const Ipv4Net& b) {
  const Ipv4Net& wider = a.prefix <= b.prefix ? a : b;
  const Ipv4Net& narrower = a.prefix <= b.prefix ? b : a;
  return wider.Contains(narrower.addr);
}

}  // namespace gantry::network
