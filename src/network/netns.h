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

// Names of the namespaces currently under /run/gantry/netns.
std::vector<std::string> ListNetns();

}  // namespace gantry::network
