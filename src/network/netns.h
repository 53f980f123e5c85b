// Named network namespaces under /run/gantry/netns (like `ip netns`, without spawning ip):
// create (with loopback up), delete, list. The CNI/awsvpc layer builds on these.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::network {

inline constexpr const char* kNetnsDir = "/run/gantry/netns";

// Creates a new network namespace pinned by a bind mount at /run/gantry/netns/<name>, with `lo`
// up, and returns that path. kAlreadyExists when the name is taken.
Result<std::string> CreateNetns(const std::string& name);

// Unmounts and removes /run/gantry/netns/<name>. Idempotent.
Result<void> DeleteNetns(const std::string& name);

// Pins the namespace already at /run/gantry/netns/<existing> under a second name as well (a bind
// mount, no new namespace); DeleteNetns(existing) afterwards completes a rename. Used to hand a
// warm-pool namespace to a task. kAlreadyExists when `alias` is taken.
Result<std::string> AliasNetns(const std::string& existing, const std::string& alias);

// True when /run/gantry/netns/<name> is a mounted namespace (not a leftover empty file).
bool NetnsMounted(const std::string& name);

// Names of the namespaces currently under /run/gantry/netns.
std::vector<std::string> ListNetns();

}  // namespace gantry::network
