// Unpacks an image archive (OCI layout tar or docker-archive tar, optionally compressed) into a
// staging directory so the layout/archive readers can work on plain files.
#pragma once

#include <string>

#include "common/result.h"

namespace gantry::image {

// Extracts only regular files (and the directories leading to them) from `archive_path` into
// `staging_dir`. Symlinks whose target is another regular file inside the archive (docker save
// does this for repeated layers) become hard links to it; other entry types are ignored. Names
// with ".." components are rejected.
Result<void> StageImageArchive(const std::string& archive_path, const std::string& staging_dir);

}  // namespace gantry::image
