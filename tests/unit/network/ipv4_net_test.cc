// IPv4/CIDR values and the host route collision check (pure).
#include "network/ipv4_net.h"

#include <gtest/gtest.h>

#include "network/host_rules.h"

namespace gantry::network {
namespace {

TEST(Ipv4NetTest, ParsesAndFormats) {
  auto n = ParseIpv4Net("10.213.0.0/16");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->prefix, 16);
  EXPECT_EQ(n->ToString(), "10.213.0.0/16");
  EXPECT_TRUE(n->Contains(*ParseIpv4("10.213.255.254")));
  EXPECT_FALSE(n->Contains(*ParseIpv4("10.214.0.1")));
  EXPECT_EQ(ParseIpv4Net("10.213.0.1/16").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseIpv4Net("10.213.0.0").ok());
  EXPECT_FALSE(ParseIpv4Net("10.213.0.0/33").ok());
  EXPECT_FALSE(ParseIpv4Net("300.1.1.0/24").ok());
}

TEST(Ipv4NetTest, Overlaps) {
  auto a = *ParseIpv4Net("10.213.0.0/16");
  EXPECT_TRUE(Overlaps(a, *ParseIpv4Net("10.0.0.0/8")));
  EXPECT_TRUE(Overlaps(a, *ParseIpv4Net("10.213.7.0/24")));
  EXPECT_FALSE(Overlaps(a, *ParseIpv4Net("10.214.0.0/16")));
  EXPECT_FALSE(Overlaps(a, *ParseIpv4Net("192.0.2.0/24")));
}

TEST(HostRulesTest, FindsOverlappingRoutesButNotDefaultOrOwnBridge) {
  // /proc/net/route format: little-endian hex.
  const std::string routes =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "gantry0\t0000D50A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
      "wg0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n";
  auto ours = *ParseIpv4Net("10.213.0.0/16");
  auto hit = FindOverlappingRoute(routes, ours, "gantry0");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, "10.0.0.0/8 dev wg0");
  EXPECT_FALSE(FindOverlappingRoute(routes, *ParseIpv4Net("172.30.0.0/16"), "gantry0"));
  EXPECT_EQ(*FindOverlappingRoute(routes, *ParseIpv4Net("192.0.2.128/25"), "gantry0"),
            "192.0.2.0/24 dev eth0");
}

}  // namespace
}  // namespace gantry::network
