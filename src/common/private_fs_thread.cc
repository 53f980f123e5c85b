#include "common/private_fs_thread.h"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <thread>

namespace gantry {

Result<void> RunInDirectory(const std::string& cwd, bool zero_umask,
                            const std::function<Result<void>()>& fn) {
  std::optional<Result<void>> result;
  std::thread worker([&] {
    if (::unshare(CLONE_FS) != 0) {
      result.emplace(ErrnoError("unshare(CLONE_FS)", errno));
      return;
    }
    if (::chdir(cwd.c_str()) != 0) {
      result.emplace(ErrnoError("chdir " + cwd, errno));
      return;
    }
    if (zero_umask) ::umask(0);
    result.emplace(fn());
  });
  worker.join();
  return std::move(*result);
}

}  // namespace gantry
