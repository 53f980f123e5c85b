// ScopedTempDir: the single owner of a scratch directory; removes it (recursively, never
// crossing mounts) when destroyed unless released.
#pragma once

#include <string>
#include <utility>

#include "common/file_util.h"
#include "common/ids.h"

namespace gantry::image {

class ScopedTempDir {
 public:
  // Creates <parent>/<prefix><random>.
  static Result<ScopedTempDir> Create(const std::string& parent, const std::string& prefix) {
    std::string path = parent + "/" + prefix + RandomHex(16);
    GANTRY_TRY(MakeDirs(path));
    return ScopedTempDir(std::move(path));
  }
  ScopedTempDir(ScopedTempDir&& o) noexcept : path_(std::exchange(o.path_, {})) {}
  ScopedTempDir& operator=(ScopedTempDir&& o) noexcept {
    if (this != &o) {
      Remove();
      path_ = std::exchange(o.path_, {});
    }
    return *this;
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir() { Remove(); }

  const std::string& path() const { return path_; }
  // The directory now belongs to someone else (e.g. it was renamed into place).
  void Release() { path_.clear(); }

 private:
  explicit ScopedTempDir(std::string path) : path_(std::move(path)) {}
  void Remove() {
    if (!path_.empty()) (void)RemoveTree(path_);
    path_.clear();
  }
  std::string path_;
};

}  // namespace gantry::image
