// Builds the OCI runtime config.json for one container of a task: process (argv, env, cwd, user
// resolved in the rootfs, caps, rlimits), namespaces, mounts, resources, masked paths, seccomp.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "runtime/runtime.h"

namespace gantry::runtime {

struct ResolvedUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/";
};

// Resolves "", "uid", "uid:gid", "name", "name:group" (and mixes) against the rootfs's
// /etc/passwd and /etc/group, read with RESOLVE_IN_ROOT so symlinks cannot escape the rootfs.
// A name that does not resolve is an error; a numeric uid without a passwd entry gets gid 0.
Result<ResolvedUser> ResolveUser(const std::string& rootfs, const std::string& user);

struct OciOptions {
  std::string cgroup_parent = "gantry";
  uint64_t nofile_limit = 20000;  // RLIMIT_NOFILE soft=hard; must not exceed the host hard limit
  bool seccomp = true;            // attach the default deny-list profile
};

Result<boost::json::object> BuildOciConfig(const TaskSpec& task, const ContainerSpec& container,
                                           const OciOptions& opts);

}  // namespace gantry::runtime
