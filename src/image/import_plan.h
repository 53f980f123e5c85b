// ImportPlan: what an import source (OCI layout or docker-archive, already on disk as plain
// files) resolves to before anything enters the content store, and the readers that build it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::image {

struct BlobSource {
  std::string path;                   // file holding the blob
  std::string digest;                 // what it must hash to
  std::optional<int64_t> size;        // what the descriptor claims, if anything
  std::string media_type;
};

struct ImportPlan {
  std::string manifest;                        // raw manifest bytes as they will be stored
  std::optional<std::string> manifest_digest;  // the digest the source claims (OCI layouts)
  BlobSource config;
  std::vector<BlobSource> layers;              // bottom first
  std::optional<std::string> default_name;     // from annotations / RepoTags
};

// An OCI image layout directory (oci-layout, index.json, blobs/). With several manifests the
// one whose ref-name annotation matches `tag` is chosen, else the first; a nested image index
// resolves to its linux/amd64 manifest.
Result<ImportPlan> ReadOciLayout(const std::string& dir, const std::optional<std::string>& tag);

// An unpacked docker-archive (manifest.json with Config/RepoTags/Layers). Layer digests are
// computed from the files and an OCI manifest is synthesized for them.
Result<ImportPlan> ReadDockerArchive(const std::string& dir, const std::optional<std::string>& tag);

}  // namespace gantry::image
