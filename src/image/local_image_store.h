// LocalImageStore: the ImageStore on a local directory (content store, unpacked layers,
// refs.json) with overlayfs task root filesystems.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "image/content_store.h"
#include "image/image_store.h"
#include "image/layer_cache.h"
#include "image/refs_file.h"

namespace gantry::image {

class LocalImageStore final : public ImageStore {
 public:
  // One LocalImageStore per root per host: the reference table is cached in memory.
  static Result<std::unique_ptr<LocalImageStore>> Open(const std::string& root);

  Result<ImageInfo> Import(const std::string& path, const std::optional<std::string>& tag) override;
  Result<ImageInfo> Resolve(const std::string& reference) override;
  Result<std::vector<ImageInfo>> List() override;
  Result<void> Remove(const std::string& reference) override;
  Result<RootfsMount> MountRootfs(const ImageInfo& image, const std::string& dir) override;
  Result<std::vector<std::string>> LayerDirs(const ImageInfo& image) override;
  Result<void> ReleaseRootfs(const std::string& dir) override;

 private:
  explicit LocalImageStore(std::string root);
  Result<void> Load();
  Result<void> PersistLocked();
  // Keys in refs_ designated by `reference`; empty when none. Caller holds mu_.
  std::vector<std::string> MatchLocked(const std::string& reference) const;

  const std::string root_;
  const std::string refs_path_;
  ContentStore content_;
  LayerCache layers_;

  std::mutex mu_;  // guards refs_ and refs.json
  RefTable refs_;
};

}  // namespace gantry::image
