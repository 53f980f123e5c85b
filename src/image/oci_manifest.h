// OCI descriptors, image manifests and image indexes (and their Docker schema 2 equivalents):
// parsing, validation and serialization of the fields the store uses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace gantry::image {

inline constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfigType = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifestType =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerListType =
    "application/vnd.docker.distribution.manifest.list.v2+json";

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

struct Descriptor {
  std::string media_type;
  std::string digest;  // validated sha256:<hex>
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::string os;            // platform, when present
  std::string architecture;
};

struct Manifest {
  Descriptor config;
  std::vector<Descriptor> layers;  // bottom first
};

bool IsIndexMediaType(std::string_view media_type);
bool IsManifestMediaType(std::string_view media_type);

// `what` names the document in errors (e.g. "index.json", "manifest sha256:..").
Result<Manifest> ParseManifest(std::string_view text, std::string_view what);
Result<std::vector<Descriptor>> ParseIndex(std::string_view text, std::string_view what);
// Compact OCI image manifest JSON with fields in a fixed order, so equal inputs hash equally.
std::string SerializeOciManifest(const Manifest& manifest);

}  // namespace gantry::image
