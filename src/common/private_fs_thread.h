// Runs work that needs a working directory (libarchive's secure extraction, relative overlay
// lowerdirs) on a short-lived thread with its own fs_struct, so chdir/umask there never affect
// the rest of the process.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace gantry {

// Starts a thread, unshares CLONE_FS in it, chdirs to `cwd` (and sets umask 0 when
// `zero_umask`), runs `fn` there and joins. The caller's cwd and umask are untouched.
Result<void> RunInDirectory(const std::string& cwd, bool zero_umask,
                            const std::function<Result<void>()>& fn);

}  // namespace gantry
