// Named network namespaces: create with lo up, list, delete idempotently, no mounts left.
#include "network/netns.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/ids.h"

namespace gantry::network {
namespace {

std::string Mountinfo() {
  std::ifstream f("/proc/self/mountinfo");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads lo's flags from inside the namespace at `path` (on a throwaway thread).
int LoFlagsIn(const std::string& path) {
  int flags = -1;
  std::thread t([&] {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    // Only this thread moves; it ends right after.
    if (::setns(fd, CLONE_NEWNET) == 0) {
      int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
      if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) flags = ifr.ifr_flags;
      ::close(s);
    }
    ::close(fd);
  });
  t.join();
  return flags;
}

TEST(NetnsTest, CreateListDelete) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const std::string name = "nt-" + RandomHex(8);
  auto path = CreateNetns(name);
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(*path, std::string(kNetnsDir) + "/" + name);
  auto names = ListNetns();
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());
  int flags = LoFlagsIn(*path);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & IFF_UP);
  EXPECT_EQ(CreateNetns(name).error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(Mountinfo().find(*path), std::string::npos);

  ASSERT_TRUE(DeleteNetns(name).ok());
  EXPECT_TRUE(DeleteNetns(name).ok());
  names = ListNetns();
  EXPECT_EQ(std::find(names.begin(), names.end(), name), names.end());
  EXPECT_EQ(Mountinfo().find(*path), std::string::npos);
  EXPECT_EQ(::access(path->c_str(), F_OK), -1);
}

TEST(NetnsTest, RejectsBadNames) {
  EXPECT_EQ(CreateNetns("../x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(CreateNetns("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(DeleteNetns("a/b").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gantry::network
