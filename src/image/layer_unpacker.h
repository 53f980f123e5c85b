// Unpacks one layer blob (tar, plain or compressed) into a directory in overlayfs form.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::image {

// Extracts `blob_path` into `dest` (an existing, empty directory) preserving modes, numeric
// ownership, xattrs, ACLs and times. OCI whiteouts become overlayfs whiteouts: `.wh.<name>` ->
// char device 0/0 `<name>`, `.wh..wh..opq` -> xattr trusted.overlay.opaque=y on its directory;
// the `.wh.` entries themselves are never written. Any entry that would escape `dest` (a ".."
// component, a write or hard link through a symlink) fails the whole layer with
// kInvalidArgument naming `what` and the entry. On failure `dest` holds partial content and the
// caller discards it.
Result<void> UnpackLayer(const std::string& blob_path, const std::string& dest,
                         std::string_view what);

}  // namespace gantry::image
