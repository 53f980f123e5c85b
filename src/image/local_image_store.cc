#include "image/local_image_store.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/file_util.h"
#include "image/archive_staging.h"
#include "image/digest.h"
#include "image/image_config.h"
#include "image/import_plan.h"
#include "common/overlay_mount.h"
#include "image/scoped_temp_dir.h"

namespace gantry::image {

namespace {

Result<void> ValidateReference(const std::string& ref) {
  if (ref.empty()) return MakeError(ErrorCode::kInvalidArgument, "image reference is empty");
  for (unsigned char c : ref) {
    if (c <= ' ' || c == 0x7f) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "image reference '{}' contains whitespace or control characters", ref);
    }
  }
  if (ref.starts_with(kSha256Prefix)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "image reference '{}' looks like a digest; give a name:tag", ref);
  }
  return Ok();
}

// Removes scratch files an interrupted import left under tmp/.
Result<void> ClearDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return ErrnoError("opendir " + dir, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) GANTRY_TRY(RemoveTree(dir + "/" + n));
  return Ok();
}

std::string AbsolutePath(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.lexically_normal().string();
}

std::string NameOf(const std::string& ref) {
  size_t at = ref.find('@');
  if (at != std::string::npos) return ref.substr(0, at);
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return ref.substr(0, colon);
  }
  return ref;
}

}  // namespace

LocalImageStore::LocalImageStore(std::string root)
    : root_(std::move(root)),
      refs_path_(root_ + "/refs.json"),
      content_(root_),
      layers_(root_ + "/layers") {}

Result<std::unique_ptr<LocalImageStore>> LocalImageStore::Open(const std::string& root) {
  if (root.empty()) return MakeError(ErrorCode::kInvalidArgument, "image store root is empty");
  // Absolute, because layer extraction and overlay mounts run with other working directories.
  std::unique_ptr<LocalImageStore> store(new LocalImageStore(AbsolutePath(root)));
  GANTRY_TRY(store->Load());
  return store;
}

Result<void> LocalImageStore::Load() {
  GANTRY_TRY(MakeDirs(root_));
  GANTRY_TRY(content_.Init());
  GANTRY_TRY(ClearDir(content_.tmp_dir()));
  GANTRY_TRY(layers_.Init());
  auto text = ReadFile(refs_path_);
  if (!text.ok()) {
    if (text.error().code == ErrorCode::kNotFound) return Ok();
    return std::move(text).error();
  }
  GANTRY_ASSIGN_OR_RETURN(refs_, ParseRefs(*text, refs_path_));
  return Ok();
}

Result<void> LocalImageStore::PersistLocked() {
  return WriteFileAtomic(refs_path_, SerializeRefs(refs_), /*sync=*/true);
}

Result<ImageInfo> LocalImageStore::Import(const std::string& path,
                                          const std::optional<std::string>& tag) {
  if (tag) GANTRY_TRY(ValidateReference(*tag));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "image source {} not found", path);
    return ErrnoError("stat " + path, errno);
  }

  // A tar is unpacked into scratch space inside the store, from where blobs are moved (not
  // copied) into place after verification.
  std::optional<ScopedTempDir> staging;
  std::string src = path;
  if (S_ISREG(st.st_mode)) {
    GANTRY_ASSIGN_OR_RETURN(ScopedTempDir dir, ScopedTempDir::Create(content_.tmp_dir(), "import-"));
    staging.emplace(std::move(dir));
    GANTRY_TRY(StageImageArchive(path, staging->path()));
    src = staging->path();
  } else if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "image source {} is neither a file nor a directory",
                     path);
  }
  const bool movable = staging.has_value();

  std::optional<ImportPlan> plan;
  if (PathExists(src + "/oci-layout")) {
    GANTRY_ASSIGN_OR_RETURN(plan, ReadOciLayout(src, tag));
  } else if (PathExists(src + "/manifest.json")) {
    GANTRY_ASSIGN_OR_RETURN(plan, ReadDockerArchive(src, tag));
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "{} is neither an OCI image layout nor a docker archive (no oci-layout or "
                     "manifest.json)",
                     path);
  }
  std::string reference;
  if (tag) {
    reference = NormalizeReference(*tag);
  } else if (plan->default_name) {
    GANTRY_TRY(ValidateReference(*plan->default_name));
    reference = NormalizeReference(*plan->default_name);
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "image {} has no name; pass --tag", path);
  }

  // Verify and store every blob; a blob listed twice (repeated empty layers) is stored once.
  std::set<std::string> stored;
  auto ingest = [&](const BlobSource& b, std::string_view kind) -> Result<void> {
    if (!stored.insert(b.digest).second) return Ok();
    return content_.Ingest(b.path, b.digest, b.size, fmt::format("{} {}", kind, b.digest), movable);
  };
  GANTRY_TRY(ingest(plan->config, "config"));
  for (const auto& l : plan->layers) GANTRY_TRY(ingest(l, "layer"));
  GANTRY_ASSIGN_OR_RETURN(std::string manifest_digest,
                          content_.Put(plan->manifest, plan->manifest_digest, "manifest"));

  GANTRY_ASSIGN_OR_RETURN(std::string config_text, content_.Read(plan->config.digest));
  GANTRY_ASSIGN_OR_RETURN(ParsedImageConfig config,
                          ParseImageConfig(config_text, "image config " + plan->config.digest));
  if (config.diff_id_count >= 0 &&
      config.diff_id_count != static_cast<int64_t>(plan->layers.size())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "image {}: config lists {} diff_ids but the manifest has {} layers", path,
                     config.diff_id_count, plan->layers.size());
  }

  ImageInfo info;
  info.reference = reference;
  info.manifest_digest = manifest_digest;
  info.config_digest = plan->config.digest;
  info.config = std::move(config.config);
  for (const auto& l : plan->layers) {
    GANTRY_TRY(layers_.Ensure(l.digest, content_.BlobPath(l.digest)));
    info.layer_digests.push_back(l.digest);
    struct stat bst;
    if (::stat(content_.BlobPath(l.digest).c_str(), &bst) == 0) info.size_bytes += bst.st_size;
  }
  info.created_ms = SystemClock::Instance().NowMs();

  std::lock_guard lock(mu_);
  std::optional<ImageInfo> previous;
  if (auto it = refs_.find(reference); it != refs_.end()) previous = it->second;
  refs_[reference] = info;
  auto persisted = PersistLocked();
  if (!persisted.ok()) {
    if (previous) {
      refs_[reference] = *previous;
    } else {
      refs_.erase(reference);
    }
    return std::move(persisted).error();
  }
  spdlog::info("imported {} as {} ({} layers)", path, reference, info.layer_digests.size());
  return info;
}

std::vector<std::string> LocalImageStore::MatchLocked(const std::string& reference) const {
  std::vector<std::string> keys;
  if (IsSha256Digest(reference)) {
    for (const auto& [key, info] : refs_) {
      if (info.manifest_digest == reference) keys.push_back(key);
    }
    return keys;
  }
  const std::string key = NormalizeReference(reference);
  if (refs_.count(key)) return {key};
  // name@sha256:... also designates any tag of that name pointing at the digest.
  if (size_t at = key.find('@'); at != std::string::npos) {
    const std::string name = key.substr(0, at);
    const std::string digest = key.substr(at + 1);
    for (const auto& [k, info] : refs_) {
      if (info.manifest_digest == digest && NameOf(k) == name) keys.push_back(k);
    }
  }
  return keys;
}

Result<ImageInfo> LocalImageStore::Resolve(const std::string& reference) {
  if (reference.empty()) return MakeError(ErrorCode::kInvalidArgument, "image reference is empty");
  std::lock_guard lock(mu_);
  auto keys = MatchLocked(reference);
  if (keys.empty()) return MakeError(ErrorCode::kNotFound, "image '{}' not found", reference);
  return refs_.at(keys.front());
}

Result<std::vector<ImageInfo>> LocalImageStore::List() {
  std::lock_guard lock(mu_);
  std::vector<ImageInfo> out;
  out.reserve(refs_.size());
  for (const auto& [key, info] : refs_) out.push_back(info);
  return out;
}

Result<void> LocalImageStore::Remove(const std::string& reference) {
  if (reference.empty()) return MakeError(ErrorCode::kInvalidArgument, "image reference is empty");
  std::lock_guard lock(mu_);
  auto keys = MatchLocked(reference);
  if (keys.empty()) return MakeError(ErrorCode::kNotFound, "image '{}' not found", reference);
  RefTable before = refs_;
  for (const auto& k : keys) refs_.erase(k);
  auto persisted = PersistLocked();
  if (!persisted.ok()) {
    refs_ = std::move(before);
    return std::move(persisted).error();
  }
  // Blobs and unpacked layers stay: a running task's overlay may still use them (no GC yet;
  // those overlays live in the tasks' mount namespaces, not in the host's mount table).
  return Ok();
}

Result<std::vector<std::string>> LocalImageStore::LayerDirs(const ImageInfo& image) {
  if (image.layer_digests.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "image {} has no layers", image.reference);
  }
  std::vector<std::string> lowers;  // top first
  for (auto it = image.layer_digests.rbegin(); it != image.layer_digests.rend(); ++it) {
    GANTRY_TRY(ValidateDigest(*it, "image " + image.reference + " layer"));
    if (!layers_.Has(*it)) {
      if (!content_.Has(*it)) {
        return MakeError(ErrorCode::kFailedPrecondition, "image {}: layer {} is not in the store",
                         image.reference, *it);
      }
      GANTRY_TRY(layers_.Ensure(*it, content_.BlobPath(*it)));
    }
    lowers.push_back(layers_.Dir(*it));
  }
  return lowers;
}

Result<RootfsMount> LocalImageStore::MountRootfs(const ImageInfo& image, const std::string& dir) {
  if (dir.empty()) return MakeError(ErrorCode::kInvalidArgument, "rootfs dir is empty");
  GANTRY_ASSIGN_OR_RETURN(std::vector<std::string> lowers, LayerDirs(image));
  const std::string abs_dir = AbsolutePath(dir);
  const bool existed = PathExists(abs_dir);
  auto mounted = MountOverlay(lowers, abs_dir);
  if (!mounted.ok()) {
    if (!existed) (void)RemoveTree(abs_dir);
    return std::move(mounted).error();
  }
  return RootfsMount{abs_dir + "/rootfs", abs_dir};
}

Result<void> LocalImageStore::ReleaseRootfs(const std::string& dir) {
  if (dir.empty()) return MakeError(ErrorCode::kInvalidArgument, "rootfs dir is empty");
  const std::string abs_dir = AbsolutePath(dir);
  GANTRY_TRY(UnmountAll(abs_dir + "/rootfs"));
  return RemoveTree(abs_dir);
}

Result<std::unique_ptr<ImageStore>> OpenImageStore(const std::string& root) {
  GANTRY_ASSIGN_OR_RETURN(std::unique_ptr<LocalImageStore> store, LocalImageStore::Open(root));
  return std::unique_ptr<ImageStore>(std::move(store));
}

}  // namespace gantry::image
