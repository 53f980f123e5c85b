#include "network/veth.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <thread>

#include "common/fd.h"
#include "common/file_util.h"

namespace gantry::network {

// DeleteLink for a caller that holds RtnlMutex().
Result<void> DeleteLinkLocked(const std::string& ifname);

namespace {

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct NlAddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct RtAddrPut {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RoutePut {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
using Sock = std::unique_ptr<nl_sock, SockFree>;
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrPut>;

Error NlError(const std::string& what, int err) {
  const ErrorCode code = err == -NLE_EXIST ? ErrorCode::kAlreadyExists : ErrorCode::kInternal;
  return MakeError(code, "{}: {}", what, nl_geterror(err));
}

// A NETLINK_ROUTE socket in the calling thread's network namespace; it stays bound to that
// namespace whatever the thread does later.
Result<Sock> Connect() {
  Sock s(nl_socket_alloc());
  if (!s) return MakeError(ErrorCode::kInternal, "netlink: cannot allocate a socket");
  if (int e = nl_connect(s.get(), NETLINK_ROUTE); e < 0) return NlError("netlink connect", e);
  return s;
}

NlAddr Ipv4Addr(uint32_t ip, int prefix) {
  const uint32_t be = htonl(ip);
  NlAddr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a) nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

// ip/prefix on ifindex, with the broadcast address `ip addr add ... brd +` would give.
// An address that is already there is fine.
Result<void> AddAddress(nl_sock* sk, int ifindex, uint32_t ip, int prefix,
                        const std::string& what) {
  std::unique_ptr<rtnl_addr, RtAddrPut> a(rtnl_addr_alloc());
  NlAddr local = Ipv4Addr(ip, prefix);
  const uint32_t mask = prefix == 0 ? 0u : ~0u << (32 - prefix);
  NlAddr brd = Ipv4Addr(ip | ~mask, 32);
  if (!a || !local || !brd) return MakeError(ErrorCode::kInternal, "netlink: out of memory");
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), AF_INET);
  if (int e = rtnl_addr_set_local(a.get(), local.get()); e < 0) return NlError(what, e);
  if (prefix < 31) rtnl_addr_set_broadcast(a.get(), brd.get());
  int e = rtnl_addr_add(sk, a.get(), 0);
  if (e < 0 && e != -NLE_EXIST) return NlError(what, e);
  return Ok();
}

// Sets the link up, and when master > 0 makes it a port of that bridge, in one request (the link
// is named by index: no round trip to fetch it first). `name` is looked up in the calling
// thread's namespace, which must be the socket's.
Result<void> SetUp(nl_sock* sk, const std::string& name, int master) {
  const int index = static_cast<int>(::if_nametoindex(name.c_str()));
  if (index == 0) return ErrnoError("netlink: find link " + name, errno);
  Link orig(rtnl_link_alloc());
  Link change(rtnl_link_alloc());
  if (!orig || !change) return MakeError(ErrorCode::kInternal, "netlink: out of memory");
  rtnl_link_set_ifindex(orig.get(), index);
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (master > 0) rtnl_link_set_master(change.get(), master);
  if (int e = rtnl_link_change(sk, orig.get(), change.get(), 0); e < 0)
    return NlError("netlink: set " + name + " up", e);
  return Ok();
}

Result<void> AddDefaultRoute(nl_sock* sk, int ifindex, uint32_t gateway) {
  std::unique_ptr<rtnl_route, RoutePut> r(rtnl_route_alloc());
  NlAddr dst = Ipv4Addr(0, 0);
  NlAddr gw = Ipv4Addr(gateway, 32);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (!r || !dst || !gw || !nh) {
    if (nh) rtnl_route_nh_free(nh);
    return MakeError(ErrorCode::kInternal, "netlink: out of memory");
  }
  rtnl_route_set_family(r.get(), AF_INET);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
  rtnl_route_set_scope(r.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(r.get(), RTN_UNICAST);
  if (int e = rtnl_route_set_dst(r.get(), dst.get()); e < 0) {
    rtnl_route_nh_free(nh);
    return NlError("netlink: default route", e);
  }
  rtnl_route_nh_set_ifindex(nh, ifindex);
  rtnl_route_nh_set_gateway(nh, gw.get());
  rtnl_route_add_nexthop(r.get(), nh);  // the route owns nh from here
  if (int e = rtnl_route_add(sk, r.get(), NLM_F_CREATE | NLM_F_EXCL); e < 0)
    return NlError("netlink: default route", e);
  return Ok();
}

// The task subnet is IPv4 only. Interfaces created after this in the calling thread's namespace
// (and the named host-side one) get no IPv6: no link-local address, duplicate address detection or
// multicast listener reports, which otherwise cost kernel work on every veth. Loopback keeps ::1.
// Best effort: a kernel without IPv6 has no such files.
void DisableIpv6(const std::string& ifname) {
  const std::string path = "/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6";
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)!::write(fd, "1", 1);
  ::close(fd);
}

// Runs in a thread that has joined the task's namespace: creates the pair there with the outer end
// placed straight into the host namespace, then configures the inner end. `created` tells the
// caller whether there is a pair to remove if something fails.
Result<void> ConfigureInside(const VethSpec& spec, int target_ns, int host_ns, bool& created) {
  if (::setns(target_ns, CLONE_NEWNET) != 0)
    return ErrnoError("setns " + spec.netns_path, errno);
  DisableIpv6("default");  // for eth0 (and the outer end while it is created here)
  GANTRY_ASSIGN_OR_RETURN(Sock sk, Connect());
  Link veth(rtnl_link_veth_alloc());
  if (!veth) return MakeError(ErrorCode::kInternal, "netlink: out of memory");
  rtnl_link_set_name(veth.get(), spec.ifname.c_str());
  nl_addr* mac_raw = nullptr;
  if (int e = nl_addr_parse(spec.mac.c_str(), AF_LLC, &mac_raw); e < 0)
    return NlError("netlink: mac " + spec.mac, e);
  NlAddr mac(mac_raw);
  rtnl_link_set_addr(veth.get(), mac.get());
  rtnl_link_set_flags(veth.get(), IFF_UP);  // eth0 comes up as it is created (the peer stays down)
  {
    Link peer(rtnl_link_veth_get_peer(veth.get()));
    rtnl_link_set_name(peer.get(), spec.host_ifname.c_str());
    rtnl_link_set_ns_fd(peer.get(), host_ns);
  }
  if (int e = rtnl_link_add(sk.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL); e < 0)
    return NlError("netlink: create veth " + spec.host_ifname, e);
  created = true;
  const int index = static_cast<int>(::if_nametoindex(spec.ifname.c_str()));
  if (index == 0) return ErrnoError("if_nametoindex " + spec.ifname, errno);
  GANTRY_TRY(AddAddress(sk.get(), index, spec.ip, spec.prefix, "netlink: task address"));
  return AddDefaultRoute(sk.get(), index, spec.gateway);
}

}  // namespace

std::mutex& RtnlMutex() {
  static std::mutex mu;
  return mu;
}

std::string MacForIp(uint32_t ip) {
  return fmt::format("0a:58:{:02x}:{:02x}:{:02x}:{:02x}", (ip >> 24) & 0xff, (ip >> 16) & 0xff,
                     (ip >> 8) & 0xff, ip & 0xff);
}

Result<void> EnsureBridge(const std::string& bridge, const Ipv4Net& subnet) {
  std::lock_guard rtnl(RtnlMutex());
  GANTRY_ASSIGN_OR_RETURN(Sock sk, Connect());
  if (::if_nametoindex(bridge.c_str()) == 0) {
    int e = rtnl_link_bridge_add(sk.get(), bridge.c_str());
    if (e < 0 && e != -NLE_EXIST) return NlError("netlink: create bridge " + bridge, e);
  }
  const int index = static_cast<int>(::if_nametoindex(bridge.c_str()));
  if (index == 0) return ErrnoError("if_nametoindex " + bridge, errno);
  GANTRY_TRY(AddAddress(sk.get(), index, subnet.addr + 1, subnet.prefix,
                        "netlink: gateway address on " + bridge));
  return SetUp(sk.get(), bridge, 0);
}

Result<void> AttachVeth(const VethSpec& spec) {
  if (spec.host_ifname.empty() || spec.host_ifname.size() >= IFNAMSIZ)
    return MakeError(ErrorCode::kInvalidArgument, "invalid host interface name '{}'",
                     spec.host_ifname);
  const int bridge_index = static_cast<int>(::if_nametoindex(spec.bridge.c_str()));
  if (bridge_index == 0) return ErrnoError("bridge " + spec.bridge, errno);
  Fd host_ns(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host_ns.valid()) return ErrnoError("open host netns", errno);
  Fd target_ns(::open(spec.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target_ns.valid()) return ErrnoError("open " + spec.netns_path, errno);

  std::lock_guard rtnl(RtnlMutex());
  bool created = false;
  Result<void> inner = Ok();
  // setns changes only this helper thread, which ends right after.
  std::thread t([&] { inner = ConfigureInside(spec, target_ns.get(), host_ns.get(), created); });
  t.join();
  auto fail = [&](Error e) -> Result<void> {
    if (created) (void)DeleteLinkLocked(spec.host_ifname);
    return e;
  };
  if (!inner.ok()) return fail(inner.error());

  auto sk = Connect();
  if (!sk.ok()) return fail(sk.error());
  DisableIpv6(spec.host_ifname);  // before it goes up: no IPv6 work on the host side either
  if (auto up = SetUp(sk->get(), spec.host_ifname, bridge_index); !up.ok())
    return fail(up.error());
  // So a task can reach itself through its own host port (portmap DNAT back out of the same port).
  const std::string hairpin = "/sys/class/net/" + spec.host_ifname + "/brport/hairpin_mode";
  Fd f(::open(hairpin.c_str(), O_WRONLY | O_CLOEXEC));
  if (!f.valid() || ::write(f.get(), "1", 1) != 1) return fail(ErrnoError(hairpin, errno));
  return Ok();
}

Result<void> DeleteLink(const std::string& ifname) {
  if (ifname.empty() || ::if_nametoindex(ifname.c_str()) == 0) return Ok();
  std::lock_guard rtnl(RtnlMutex());
  return DeleteLinkLocked(ifname);
}

Result<void> DeleteLinkLocked(const std::string& ifname) {
  GANTRY_ASSIGN_OR_RETURN(Sock sk, Connect());
  Link l(rtnl_link_alloc());
  if (!l) return MakeError(ErrorCode::kInternal, "netlink: out of memory");
  rtnl_link_set_name(l.get(), ifname.c_str());
  int e = rtnl_link_delete(sk.get(), l.get());
  if (e < 0 && e != -NLE_NODEV && e != -NLE_OBJ_NOTFOUND)
    return NlError("netlink: delete link " + ifname, e);
  return Ok();
}

std::vector<std::string> BridgePorts(const std::string& bridge) {
  std::vector<std::string> out;
  DIR* d = ::opendir(("/sys/class/net/" + bridge + "/brif").c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

}  // namespace gantry::network
