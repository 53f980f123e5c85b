#include "image/archive_staging.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

#include "common/fd.h"
#include "image/layer_path.h"

namespace gantry::image {

namespace {

struct ReadArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

Result<void> WriteAll(int fd, const char* p, size_t n, std::string_view what) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(fmt::format("write {}", what), errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Ok();
}

}  // namespace

Result<void> StageImageArchive(const std::string& archive_path, const std::string& staging_dir) {
  const std::string what = "archive " + archive_path;
  Fd root(::open(staging_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError("open " + staging_dir, errno);

  std::unique_ptr<struct archive, ReadArchiveFree> in(archive_read_new());
  if (!in) return MakeError(ErrorCode::kInternal, "{}: libarchive allocation failed", what);
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_all(in.get());
  if (archive_read_open_filename(in.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: not a readable tar: {}", what,
                     archive_error_string(in.get()) ? archive_error_string(in.get()) : "?");
  }

  std::vector<std::pair<std::string, std::string>> links;  // (path, target path), normalized
  struct archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: corrupt tar: {}", what,
                       archive_error_string(in.get()) ? archive_error_string(in.get()) : "?");
    }
    const char* raw = archive_entry_pathname(entry);
    if (raw == nullptr) continue;
    GANTRY_ASSIGN_OR_RETURN(std::string rel, NormalizeEntryPath(raw, what));
    if (rel.empty()) continue;
    auto [parent, base] = SplitParent(rel);
    const mode_t type = archive_entry_filetype(entry);

    if (const char* hard = archive_entry_hardlink(entry)) {
      GANTRY_ASSIGN_OR_RETURN(std::string target, NormalizeEntryPath(hard, what));
      links.emplace_back(rel, target);
      continue;
    }
    if (type == AE_IFLNK) {
      const char* sym = archive_entry_symlink(entry);
      if (sym == nullptr || sym[0] == '/') continue;
      // Relative symlink target, resolved lexically against the link's directory.
      auto target = NormalizeEntryPath(parent + "/" + sym, what);
      if (target.ok() && !target->empty()) links.emplace_back(rel, *target);
      continue;
    }
    if (type != AE_IFREG) continue;

    GANTRY_ASSIGN_OR_RETURN(Fd dir, OpenDirBeneath(root.get(), parent, /*create=*/true, what));
    Fd out(::openat(dir.get(), base.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                    0644));
    if (!out.valid()) return ErrnoError(fmt::format("{}: create {}", what, rel), errno);
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      int rr = archive_read_data_block(in.get(), &buf, &size, &offset);
      if (rr == ARCHIVE_EOF) break;
      if (rr < ARCHIVE_WARN) {
        return MakeError(ErrorCode::kInvalidArgument, "{}: reading {}: {}", what, rel,
                         archive_error_string(in.get()) ? archive_error_string(in.get()) : "?");
      }
      if (::lseek(out.get(), offset, SEEK_SET) < 0) {
        return ErrnoError(fmt::format("{}: seek {}", what, rel), errno);
      }
      GANTRY_TRY(WriteAll(out.get(), static_cast<const char*>(buf), size, rel));
    }
  }

  // Links last, once their targets exist; chains of links resolve in a few passes.
  for (size_t pass = 0; pass < 4 && !links.empty(); ++pass) {
    std::vector<std::pair<std::string, std::string>> pending;
    for (auto& [path, target] : links) {
      auto [tparent, tbase] = SplitParent(target);
      GANTRY_ASSIGN_OR_RETURN(Fd tdir, OpenDirBeneath(root.get(), tparent, false, what));
      auto [parent, base] = SplitParent(path);
      GANTRY_ASSIGN_OR_RETURN(Fd dir, OpenDirBeneath(root.get(), parent, true, what));
      if (!tdir.valid() || ::linkat(tdir.get(), tbase.c_str(), dir.get(), base.c_str(), 0) != 0) {
        if (tdir.valid() && errno == EEXIST) continue;
        pending.emplace_back(path, target);
      }
    }
    links = std::move(pending);
  }
  return Ok();
}

}  // namespace gantry::image
