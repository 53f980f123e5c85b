#include "image/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cerrno>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/fd.h"
#include "image/layer_path.h"
#include "common/private_fs_thread.h"

namespace gantry::image {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

struct ReadArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteArchiveFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using ReadArchive = std::unique_ptr<struct archive, ReadArchiveFree>;
using WriteArchive = std::unique_ptr<struct archive, WriteArchiveFree>;

std::string ArchiveMessage(struct archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

Error Refuse(const char* entry, const Error& cause) {
  if (cause.code != ErrorCode::kInvalidArgument) return cause;
  return MakeError(ErrorCode::kInvalidArgument, "refusing entry '{}': {}", entry, cause.message);
}

// The work itself; runs with cwd == dest on a thread with a private fs_struct, because
// libarchive's SECURE_* checks are relative to the current directory.
Result<void> UnpackHere(const std::string& blob_path, std::string_view what) {
  Fd root(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoError("open layer root", errno);

  ReadArchive in(archive_read_new());
  WriteArchive out(archive_write_disk_new());
  if (!in || !out) return MakeError(ErrorCode::kInternal, "{}: libarchive allocation failed", what);
  archive_read_support_format_tar(in.get());
  archive_read_support_filter_all(in.get());
  if (archive_read_open_filename(in.get(), blob_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: cannot open as tar: {}", what,
                     ArchiveMessage(in.get()));
  }
  // No name lookup: OCI layers carry numeric ids that must be kept as they are.
  archive_write_disk_set_options(
      out.get(), ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                     ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
                     ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);

  std::vector<std::string> whiteouts;    // paths to turn into 0/0 char devices
  std::vector<std::string> opaque_dirs;  // directories to mark opaque
  struct archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: corrupt tar: {}", what,
                       ArchiveMessage(in.get()));
    }
    const char* raw_name = archive_entry_pathname(entry);
    if (raw_name == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: entry without a usable name", what);
    }
    GANTRY_ASSIGN_OR_RETURN(std::string rel, NormalizeEntryPath(raw_name, what));
    if (rel.empty()) continue;  // the layer root itself
    auto [parent, base] = SplitParent(rel);

    if (std::string_view(base).starts_with(kWhiteoutPrefix)) {
      if (base == kOpaqueMarker) {
        opaque_dirs.push_back(parent);
      } else {
        std::string hidden = base.substr(kWhiteoutPrefix.size());
        if (hidden.empty() || hidden == "." || hidden == "..") {
          return MakeError(ErrorCode::kInvalidArgument, "{}: invalid whiteout entry '{}'", what,
                           raw_name);
        }
        whiteouts.push_back(parent.empty() ? hidden : parent + "/" + hidden);
      }
      continue;  // the marker file itself is never extracted
    }

    // Our own confinement check, independent of the libarchive version: no existing symlink
    // may sit on the way to what we write or link to.
    if (auto dir = OpenDirBeneath(root.get(), parent, /*create=*/false, what); !dir.ok()) {
      return Refuse(raw_name, dir.error());
    }
    archive_entry_set_pathname(entry, rel.c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      auto link_rel = NormalizeEntryPath(link, what);
      if (!link_rel.ok()) return Refuse(raw_name, link_rel.error());
      if (link_rel->empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "{}: hard link '{}' to the layer root", what,
                         raw_name);
      }
      auto dir = OpenDirBeneath(root.get(), SplitParent(*link_rel).first, false, what);
      if (!dir.ok()) return Refuse(raw_name, dir.error());
      archive_entry_set_hardlink(entry, link_rel->c_str());
    }

    r = archive_write_header(out.get(), entry);
    if (r < ARCHIVE_WARN) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: refusing entry '{}': {}", what, raw_name,
                       ArchiveMessage(out.get()));
    }
    if (r == ARCHIVE_WARN) {
      spdlog::warn("{}: entry '{}': {}", what, raw_name, ArchiveMessage(out.get()));
    }
    if (r == ARCHIVE_OK && archive_entry_size(entry) > 0) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        int rr = archive_read_data_block(in.get(), &buf, &size, &offset);
        if (rr == ARCHIVE_EOF) break;
        if (rr < ARCHIVE_WARN) {
          return MakeError(ErrorCode::kInvalidArgument, "{}: reading '{}': {}", what, raw_name,
                           ArchiveMessage(in.get()));
        }
        if (archive_write_data_block(out.get(), buf, size, offset) < ARCHIVE_WARN) {
          return MakeError(ErrorCode::kInternal, "{}: writing '{}': {}", what, raw_name,
                           ArchiveMessage(out.get()));
        }
      }
    }
    r = archive_write_finish_entry(out.get());
    if (r < ARCHIVE_WARN) {
      return MakeError(ErrorCode::kInternal, "{}: finishing '{}': {}", what, raw_name,
                       ArchiveMessage(out.get()));
    }
  }

  // Whiteouts after the regular entries (a same-layer file of that name wins, per the OCI spec)
  // and before archive_write_close, which restores directory modes and times.
  for (const std::string& path : whiteouts) {
    auto [parent, name] = SplitParent(path);
    GANTRY_ASSIGN_OR_RETURN(Fd dir, OpenDirBeneath(root.get(), parent, /*create=*/true, what));
    if (::mknodat(dir.get(), name.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0 && errno != EEXIST) {
      return ErrnoError(fmt::format("{}: mknod whiteout {}", what, path), errno);
    }
  }
  for (const std::string& path : opaque_dirs) {
    GANTRY_ASSIGN_OR_RETURN(Fd dir, OpenDirBeneath(root.get(), path, /*create=*/true, what));
    if (::fsetxattr(dir.get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return ErrnoError(fmt::format("{}: mark '{}' opaque", what, path.empty() ? "/" : path),
                        errno);
    }
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) {
    return MakeError(ErrorCode::kInternal, "{}: finishing extraction: {}", what,
                     ArchiveMessage(out.get()));
  }
  return Ok();
}

}  // namespace

Result<void> UnpackLayer(const std::string& blob_path, const std::string& dest,
                         std::string_view what) {
  return RunInDirectory(dest, /*zero_umask=*/true, [&] { return UnpackHere(blob_path, what); });
}

}  // namespace gantry::image
