// Port mapping validation per network mode (pure) and the host listener probe.
#include "network/port_mappings.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/fd.h"

namespace gantry::network {
namespace {

TEST(PortMappingsTest, Modes) {
  EXPECT_EQ(*NormalizeNetworkMode(""), "awsvpc");
  EXPECT_EQ(*NormalizeNetworkMode("bridge"), "awsvpc");
  EXPECT_EQ(*NormalizeNetworkMode("host"), "host");
  EXPECT_EQ(*NormalizeNetworkMode("none"), "none");
  EXPECT_EQ(NormalizeNetworkMode("nat").error().code, ErrorCode::kInvalidArgument);
}

TEST(PortMappingsTest, Validation) {
  auto ok = NormalizePorts("awsvpc", {{80, 8080, "TCP"}, {53, 0, "udp"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].protocol, "tcp");
  EXPECT_EQ(NormalizePorts("awsvpc", {{0, 0, "tcp"}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(NormalizePorts("awsvpc", {{80, 70000, "tcp"}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(NormalizePorts("awsvpc", {{80, 80, "sctp"}}).error().code, ErrorCode::kInvalidArgument);
  auto dup = NormalizePorts("awsvpc", {{80, 8080, "tcp"}, {81, 8080, "tcp"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("8080/tcp"), std::string::npos);
  EXPECT_TRUE(NormalizePorts("awsvpc", {{80, 8080, "tcp"}, {80, 8080, "udp"}}).ok());
  auto host = NormalizePorts("host", {{8080, 0, "tcp"}});
  ASSERT_TRUE(host.ok());
  EXPECT_EQ((*host)[0].host_port, 8080);
  EXPECT_FALSE(NormalizePorts("host", {{8080, 9090, "tcp"}}).ok());
  EXPECT_FALSE(NormalizePorts("none", {{8080, 8080, "tcp"}}).ok());
  EXPECT_TRUE(NormalizePorts("none", {{8080, 0, "tcp"}}).ok());
}

TEST(PortMappingsTest, ProbeSeesHostListener) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(s.get(), 1), 0);
  socklen_t len = sizeof sa;
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  int port = ntohs(sa.sin_port);
  EXPECT_FALSE(HostPortFreeOnHost({80, port, "tcp"}));
  s.Reset();
  EXPECT_TRUE(HostPortFreeOnHost({80, port, "tcp"}));
}

}  // namespace
}  // namespace gantry::network
