// /etc/hosts, /etc/hostname and /etc/resolv.conf for a task.
#include "network/task_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/file_util.h"
#include "common/ids.h"

namespace gantry::network {
namespace {

TEST(TaskFilesTest, ResolvConfSkipsLoopbackResolversInOwnNetns) {
  const std::string stub =
      "# managed\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp\n";
  const std::string upstream = "nameserver 192.0.2.53\nnameserver 127.0.0.1\n";
  EXPECT_EQ(RenderResolvConf(stub, upstream, true),
            "nameserver 192.0.2.53\noptions edns0 trust-ad\nsearch corp\n");
  EXPECT_EQ(RenderResolvConf(stub, "", true),
            "nameserver 1.1.1.1\nnameserver 8.8.8.8\noptions edns0 trust-ad\nsearch corp\n");
  // Host networking can reach the stub resolver.
  EXPECT_EQ(RenderResolvConf(stub, upstream, false),
            "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp\n");
  EXPECT_EQ(RenderResolvConf("nameserver 10.255.255.53\n", "", true), "nameserver 10.255.255.53\n");
  EXPECT_EQ(RenderResolvConf("", "", true), "nameserver 1.1.1.1\nnameserver 8.8.8.8\n");
}

TEST(TaskFilesTest, HostsAndHostname) {
  Attachment a;
  a.ipv4 = "10.213.0.7";
  a.netns_path = "/run/gantry/netns/t";
  EXPECT_EQ(DefaultHostname(a), "ip-10-213-0-7");
  std::string hosts = RenderHosts(a, "web");
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.213.0.7\tweb\n"), std::string::npos);

  const std::string dir = "/tmp/gantry-taskfiles-" + RandomHex(8);
  ASSERT_TRUE(WriteTaskNetworkFiles(dir, a, "").ok());
  EXPECT_EQ(*ReadFile(dir + "/hostname"), "ip-10-213-0-7\n");
  EXPECT_NE(ReadFile(dir + "/hosts")->find("10.213.0.7\tip-10-213-0-7"), std::string::npos);
  auto resolv = ReadFile(dir + "/resolv.conf");
  ASSERT_TRUE(resolv.ok());
  EXPECT_NE(resolv->find("nameserver "), std::string::npos);
  EXPECT_EQ(resolv->find("nameserver 127."), std::string::npos);
  struct stat st;
  ASSERT_EQ(::stat((dir + "/resolv.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_TRUE(RemoveTree(dir).ok());
}

}  // namespace
}  // namespace gantry::network
