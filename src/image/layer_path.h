// Path confinement for layer extraction: archive entry names are normalized lexically (no "..")
// and directories under a layer root are opened component by component without following
// symlinks, so nothing we create can land outside the root.
#pragma once

#include <string>
#include <string_view>

#include "common/fd.h"
#include "common/result.h"

namespace gantry::image {

// "./a//b/" -> "a/b", "/etc/x" -> "etc/x" (absolute names are taken relative to the root),
// "" or "./" -> "". Any ".." component is kInvalidArgument naming `what` and the entry.
Result<std::string> NormalizeEntryPath(std::string_view raw, std::string_view what);

// Opens directory `rel` (normalized) beneath `root_fd`, refusing symlinks and non-directories
// on the way. Missing components are created (0755) when `create`; otherwise a missing
// component yields an invalid Fd (not an error).
Result<Fd> OpenDirBeneath(int root_fd, std::string_view rel, bool create, std::string_view what);

// Splits a normalized path into parent ("" for top level) and base name.
std::pair<std::string, std::string> SplitParent(std::string_view rel);

}  // namespace gantry::image
