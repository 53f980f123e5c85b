#include "image/layer_path.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

namespace gantry::image {

Result<std::string> NormalizeEntryPath(std::string_view raw, std::string_view what) {
  std::string out;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('/', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view comp = raw.substr(i, j - i);
    i = j + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      return MakeError(ErrorCode::kInvalidArgument,
                       "{}: entry '{}' escapes the layer root ('..' component)", what, raw);
    }
    if (!out.empty()) out.push_back('/');
    out.append(comp);
  }
  return out;
}

std::pair<std::string, std::string> SplitParent(std::string_view rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(rel)};
  return {std::string(rel.substr(0, slash)), std::string(rel.substr(slash + 1))};
}

Result<Fd> OpenDirBeneath(int root_fd, std::string_view rel, bool create, std::string_view what) {
  Fd cur(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!cur.valid()) return ErrnoError("dup layer root fd", errno);
  size_t i = 0;
  while (i < rel.size()) {
    size_t j = rel.find('/', i);
    if (j == std::string_view::npos) j = rel.size();
    std::string comp(rel.substr(i, j - i));
    i = j + 1;
    for (int attempt = 0;; ++attempt) {
      int fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        cur.Reset(fd);
        break;
      }
      int e = errno;
      if (e == ENOENT && create && attempt == 0) {
        if (::mkdirat(cur.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
          return ErrnoError(fmt::format("{}: mkdir {}", what, rel), errno);
        }
        continue;
      }
      if (e == ENOENT) return Fd();
      if (e == ELOOP || e == ENOTDIR) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "{}: path '{}' goes through a symlink or non-directory ('{}')", what, rel,
                         comp);
      }
      return ErrnoError(fmt::format("{}: open {}", what, rel), e);
    }
  }
  return cur;
}

}  // namespace gantry::image
