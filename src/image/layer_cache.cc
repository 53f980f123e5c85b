#include "image/layer_cache.h"

#include <dirent.h>
#include <stdio.h>

#include <cerrno>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/file_util.h"
#include "image/digest.h"
#include "image/layer_unpacker.h"
#include "image/scoped_temp_dir.h"

namespace gantry::image {

namespace {
constexpr std::string_view kTmpPrefix = ".tmp-";
}

LayerCache::LayerCache(std::string layers_dir) : dir_(std::move(layers_dir)) {}

Result<void> LayerCache::Init() {
  GANTRY_TRY(MakeDirs(dir_));
  // Leftovers of an unpack interrupted by a crash: never published, safe to drop.
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return ErrnoError("opendir " + dir_, errno);
  std::vector<std::string> stale;
  while (struct dirent* e = ::readdir(d)) {
    if (std::string_view(e->d_name).starts_with(kTmpPrefix)) stale.push_back(e->d_name);
  }
  ::closedir(d);
  for (const auto& name : stale) {
    spdlog::info("removing interrupted layer unpack {}/{}", dir_, name);
    GANTRY_TRY(RemoveTree(dir_ + "/" + name));
  }
  return Ok();
}

std::string LayerCache::Dir(std::string_view digest) const {
  return dir_ + "/" + DigestHex(digest);
}

bool LayerCache::Has(std::string_view digest) const { return PathExists(Dir(digest)); }

std::shared_ptr<std::mutex> LayerCache::LockFor(const std::string& digest) {
  std::lock_guard lock(mu_);
  // Drop entries nobody holds any more so the map does not grow with every layer ever seen.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = it->second.expired() ? in_flight_.erase(it) : std::next(it);
  }
  auto& weak = in_flight_[digest];
  auto m = weak.lock();
  if (!m) {
    m = std::make_shared<std::mutex>();
    weak = m;
  }
  return m;
}

Result<std::string> LayerCache::Ensure(std::string_view digest, const std::string& blob_path) {
  GANTRY_TRY(ValidateDigest(digest, "layer"));
  const std::string final_dir = Dir(digest);
  if (PathExists(final_dir)) return final_dir;
  // One unpack per layer within this process; the rename below settles races with others.
  auto m = LockFor(std::string(digest));
  std::lock_guard lock(*m);
  if (PathExists(final_dir)) return final_dir;

  GANTRY_ASSIGN_OR_RETURN(ScopedTempDir tmp,
                          ScopedTempDir::Create(dir_, std::string(kTmpPrefix) + DigestHex(digest).substr(0, 12) + "-"));
  GANTRY_TRY(UnpackLayer(blob_path, tmp.path(), "layer " + std::string(digest)));
  if (::rename(tmp.path().c_str(), final_dir.c_str()) != 0) {
    int e = errno;
    if ((e == EEXIST || e == ENOTEMPTY) && PathExists(final_dir)) return final_dir;  // lost a race
    return ErrnoError("publish layer " + final_dir, e);
  }
  tmp.Release();
  return final_dir;
}

}  // namespace gantry::image
