#include "network/task_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <sstream>
#include <utility>
#include <vector>

#include "common/file_util.h"

namespace gantry::network {

namespace {

constexpr const char* kFallbackNameservers[] = {"1.1.1.1", "8.8.8.8"};

bool IsLoopback(const std::string& ns) {
  return ns.starts_with("127.") || ns == "::1" || ns == "0:0:0:0:0:0:0:1";
}

struct ResolvParts {
  std::vector<std::string> nameservers;
  std::vector<std::string> other;  // search/domain/options lines, kept verbatim
};

ResolvParts ParseResolv(std::string_view text) {
  ResolvParts p;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, val;
    ls >> key;
    if (key.empty() || key[0] == '#' || key[0] == ';') continue;
    if (key == "nameserver") {
      if (ls >> val) p.nameservers.push_back(val);
    } else if (key == "search" || key == "domain" || key == "options") {
      p.other.push_back(line);
    }
  }
  return p;
}

}  // namespace

std::string DefaultHostname(const Attachment& a) {
  if (a.ipv4.empty()) return "localhost";
  std::string h = "ip-" + a.ipv4;
  for (char& c : h)
    if (c == '.') c = '-';
  return h;
}

std::string RenderHosts(const Attachment& a, const std::string& hostname) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n";
  if (!a.ipv4.empty())
    out += a.ipv4 + "\t" + hostname + "\n";
  else if (hostname != "localhost")
    out += "127.0.1.1\t" + hostname + "\n";
  return out;
}

std::string RenderResolvConf(std::string_view host_resolv, std::string_view upstream_resolv,
                             bool own_netns) {
  ResolvParts host = ParseResolv(host_resolv);
  std::vector<std::string> servers;
  for (const auto& ns : host.nameservers)
    if (!own_netns || !IsLoopback(ns)) servers.push_back(ns);
  if (servers.empty() && own_netns) {
    for (const auto& ns : ParseResolv(upstream_resolv).nameservers)
      if (!IsLoopback(ns)) servers.push_back(ns);
  }
  if (servers.empty())
    for (const char* ns : kFallbackNameservers) servers.emplace_back(ns);
  std::string out;
  for (const auto& ns : servers) out += "nameserver " + ns + "\n";
  for (const auto& l : host.other) out += l + "\n";
  return out;
}

Result<void> WriteTaskNetworkFiles(const std::string& dir, const Attachment& a,
                                   const std::string& hostname) {
  const std::string name = hostname.empty() ? DefaultHostname(a) : hostname;
  GANTRY_TRY(MakeDirs(dir));
  auto host_resolv = ReadFile("/etc/resolv.conf");
  auto upstream = ReadFile("/run/systemd/resolve/resolv.conf");
  const bool own_netns = !a.netns_path.empty();
  const std::pair<std::string, std::string> files[] = {
      {"hosts", RenderHosts(a, name)},
      {"hostname", name + "\n"},
      {"resolv.conf", RenderResolvConf(host_resolv.ok() ? *host_resolv : "",
                                       upstream.ok() ? *upstream : "", own_netns)},
  };
  for (const auto& [file, content] : files) {
    const std::string path = dir + "/" + file;
    GANTRY_TRY(WriteFileAtomic(path, content));
    // Readable by any container user, as /etc files are.
    if (::chmod(path.c_str(), 0644) != 0) return ErrnoError("chmod " + path, errno);
  }
  return Ok();
}

}  // namespace gantry::network
