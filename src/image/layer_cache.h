// LayerCache: root/layers/<digest-hex>/, each layer blob unpacked exactly once and published by
// an atomic rename, so readers never see half a layer and concurrent importers agree.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::image {

class LayerCache {
 public:
  explicit LayerCache(std::string layers_dir);

  // Creates the directory and removes temporaries a crashed unpack left behind.
  Result<void> Init();
  std::string Dir(std::string_view digest) const;
  bool Has(std::string_view digest) const;
  // Unpacks `blob_path` (content of `digest`) unless already present; returns the layer dir.
  Result<std::string> Ensure(std::string_view digest, const std::string& blob_path);

 private:
  std::shared_ptr<std::mutex> LockFor(const std::string& digest);

  std::string dir_;
  std::mutex mu_;  // guards in_flight_
  std::map<std::string, std::weak_ptr<std::mutex>> in_flight_;
};

}  // namespace gantry::image
