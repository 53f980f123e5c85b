// ContentStore: the blobs/sha256/<hex> directory. Nothing enters it without its sha256 being
// checked against the digest it is stored under.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gantry::image {

class ContentStore {
 public:
  // root: the store root; blobs go to root/blobs/sha256, temporaries to root/tmp.
  explicit ContentStore(std::string root);

  Result<void> Init();
  std::string BlobPath(std::string_view digest) const;
  bool Has(std::string_view digest) const;

  // Copies (or, when `move`, renames: the source must then be on the same filesystem) the file
  // at `src` into the store under `digest`, verifying the sha256 and, when given, the size.
  // A mismatch is kInvalidArgument naming `what` (e.g. "layer sha256:ab.." ).
  Result<void> Ingest(const std::string& src, std::string_view digest,
                      std::optional<int64_t> expected_size, std::string_view what, bool move);
  // Stores in-memory bytes (manifests, synthesized documents) under their computed digest; if
  // `expected_digest` is given it must match. Returns the digest.
  Result<std::string> Put(std::string_view data, std::optional<std::string_view> expected_digest,
                          std::string_view what);
  Result<std::string> Read(std::string_view digest) const;

  const std::string& tmp_dir() const { return tmp_dir_; }

 private:
  std::string blobs_dir_;
  std::string tmp_dir_;
};

}  // namespace gantry::image
