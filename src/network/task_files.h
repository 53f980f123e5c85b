// The per-task /etc/hosts, /etc/hostname and /etc/resolv.conf, written once into a task directory
// and bind-mounted read-only into each of the task's containers.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "network/task_network_manager.h"

namespace gantry::network {

// Writes dir/hosts, dir/hostname and dir/resolv.conf for the attachment. An empty hostname becomes
// "ip-a-b-c-d" (as ECS names awsvpc tasks) or "localhost" when the task has no IPv4.
Result<void> WriteTaskNetworkFiles(const std::string& dir, const Attachment& a,
                                   const std::string& hostname);

// Pure pieces, exposed for tests.
std::string DefaultHostname(const Attachment& a);
std::string RenderHosts(const Attachment& a, const std::string& hostname);
// host_resolv: the host's /etc/resolv.conf; upstream_resolv: systemd-resolved's
// /run/systemd/resolve/resolv.conf (may be empty). In a task's own netns a loopback nameserver
// (127.0.0.53, ::1) is unreachable: use the upstream file's servers, else public resolvers.
std::string RenderResolvConf(std::string_view host_resolv, std::string_view upstream_resolv,
                             bool own_netns);

}  // namespace gantry::network
