// TempDir for tests: a fresh directory under /tmp that is torn down on destruction, including
// any mounts left beneath it; plus a /proc/self/mountinfo reader to assert nothing leaked.
#pragma once

#include <string>
#include <vector>

namespace gantry::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "gantry-test-");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Mount points (unescaped) at or below `prefix`, deepest first.
std::vector<std::string> MountPointsUnder(const std::string& prefix);

}  // namespace gantry::testing
