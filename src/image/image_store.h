// ImageStore: content-addressed blobs (sha256-verified), image references (name:tag -> manifest),
// layers unpacked once into shared directories, and per-task overlayfs root filesystems.
// Importing from an OCI layout or a docker-archive tar lives here; pulling from a registry is a
// later seam (`Puller`) that writes through the same content store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::image {

// The parts of an OCI image config a container runtime needs.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // KEY=VALUE
  std::string working_dir;
  std::string user;
};

struct ImageInfo {
  std::string reference;        // normalized "name:tag"
  std::string manifest_digest;  // "sha256:..."
  std::string config_digest;
  std::vector<std::string> layer_digests;  // bottom first (compressed blob digests)
  int64_t size_bytes = 0;                   // sum of layer blob sizes
  int64_t created_ms = 0;                   // when imported
  ImageConfig config;
};

// A mounted task root filesystem: overlay of the image's unpacked layers plus a private upper dir.
// The owner unmounts and removes it (idempotent); destroying the object does NOT unmount, so a
// rootfs outlives an agent restart; `Release` is the explicit teardown.
struct RootfsMount {
  std::string rootfs;  // the mount point, usable as the OCI bundle root.path
  std::string dir;     // holds rootfs/, upper/, work/
};

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // Imports an OCI image layout directory, an OCI layout tar, or a docker-archive tar
  // (`docker save`/`podman save`/`skopeo copy docker-archive:`). Tag: `tag` if given, else the
  // layout's org.opencontainers.image.ref.name annotation or the archive's RepoTags[0].
  // Every blob's sha256 is verified; layers are unpacked once (whiteouts and opaque dirs turned
  // into overlayfs form, entries escaping the layer root rejected).
  virtual Result<ImageInfo> Import(const std::string& path, const std::optional<std::string>& tag) = 0;

  // Looks a reference up ("busybox", "busybox:latest", "localhost/x:1", or "sha256:<manifest>").
  // kNotFound with a message naming the reference when absent.
  virtual Result<ImageInfo> Resolve(const std::string& reference) = 0;
  virtual Result<std::vector<ImageInfo>> List() = 0;
  virtual Result<void> Remove(const std::string& reference) = 0;

  // Mounts overlayfs (mount(2), not mount(8)) for `image` at <dir>/rootfs with upper/work in dir.
  virtual Result<RootfsMount> MountRootfs(const ImageInfo& image, const std::string& dir) = 0;
  // The image's unpacked layer directories, top layer first (unpacking any that are missing
  // from their blobs): the lowerdirs of an overlay someone else mounts (the runtime's shim
  // mounts task root filesystems in the task's own mount namespace).
  virtual Result<std::vector<std::string>> LayerDirs(const ImageInfo& image) = 0;
  // Unmounts (lazy-safe) and removes dir. Idempotent: fine if already gone.
  virtual Result<void> ReleaseRootfs(const std::string& dir) = 0;
};

// root: e.g. /var/lib/gantry/images (blobs/sha256/, layers/<digest>/, refs.json).
Result<std::unique_ptr<ImageStore>> OpenImageStore(const std::string& root);

// Normalizes a user-supplied reference: adds ":latest" when there is no tag or digest.
std::string NormalizeReference(const std::string& ref);

}  // namespace gantry::image
