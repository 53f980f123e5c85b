// Small file helpers that return Result: whole-file read/write, atomic replace, recursive removal.
#pragma once

#include <string>

#include "common/result.h"

namespace gantry {

Result<std::string> ReadFile(const std::string& path);
// Writes to path.tmp, fsyncs if asked, then renames over path.
Result<void> WriteFileAtomic(const std::string& path, std::string_view data, bool sync = false);
Result<void> MakeDirs(const std::string& path, unsigned mode = 0755);
// rm -rf without crossing mount points (refuses to descend into a mounted directory).
Result<void> RemoveTree(const std::string& path);
bool PathExists(const std::string& path);

}  // namespace gantry
