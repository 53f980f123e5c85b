// overlayfs mounts for task root filesystems, through mount(2)/umount2(2) directly.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace gantry {

// Mounts overlay on <dir>/rootfs with lowerdir = `lower_top_first` (leftmost is the top layer),
// upperdir <dir>/upper and workdir <dir>/work (all created if missing). When the option string
// would exceed one page, the lower dirs are reached through short symlinks <dir>/l/<n> and
// relative paths, from a thread whose cwd is <dir>; if even that is too long it fails with
// kInvalidArgument saying so.
Result<void> MountOverlay(const std::vector<std::string>& lower_top_first, const std::string& dir);

// Unmounts `mountpoint` (falling back to a lazy detach when busy) until it is no longer a mount
// point. Fine if it is not mounted or does not exist.
Result<void> UnmountAll(const std::string& mountpoint);

// True when `path` is a mount point (the root of a mount: bind mounts of a directory onto
// itself and bound files included; before Linux 5.8, directories only).
bool IsMountPoint(const std::string& path);

}  // namespace gantry
