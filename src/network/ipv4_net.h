// IPv4 addresses and CIDR prefixes as plain values: parsing, formatting, containment and overlap.
// Pure; used for the task subnet, the host route check and host-local IPAM bookkeeping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::network {

struct Ipv4Net {
  uint32_t addr = 0;  // host byte order, already masked
  int prefix = 0;     // 0..32

  uint32_t Mask() const { return prefix == 0 ? 0u : ~0u << (32 - prefix); }
  bool Contains(uint32_t ip) const { return (ip & Mask()) == addr; }
  std::string ToString() const;
};

Result<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t ip);
// "10.213.0.0/16". Host bits set ("10.213.0.1/16") are rejected so the subnet is unambiguous.
Result<Ipv4Net> ParseIpv4Net(std::string_view text);
bool Overlaps(const Ipv4Net& a, const Ipv4Net& b);

}  // namespace gantry::network
