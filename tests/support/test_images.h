// Test images built without a registry: busybox OCI layouts and docker archives from the host's
// /bin/busybox (busybox-static), plus raw layer tars (hostile ones included) for import tests.
// Everything is written under the directory or file the caller names; nothing is cached.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace gantry::testing {

enum class LayerCompression { kNone, kGzip, kZstd };

// One tar entry, written verbatim: paths are not normalized, so tests can write "../evil".
struct LayerEntry {
  enum class Type { kFile, kDir, kSymlink, kHardlink };
  Type type = Type::kFile;
  std::string path;
  std::string data;  // file content
  std::string link;  // symlink target or hard link target
  unsigned mode = 0644;
  int64_t uid = 0;
  int64_t gid = 0;

  static LayerEntry File(std::string path, std::string data, unsigned mode = 0644);
  static LayerEntry Dir(std::string path, unsigned mode = 0755);
  static LayerEntry Symlink(std::string path, std::string target);
  static LayerEntry Hardlink(std::string path, std::string target);
  // OCI whiteout for `path` ("a/b" -> "a/.wh.b").
  static LayerEntry Whiteout(const std::string& path);
  // OCI opaque marker for directory `dir` ("a" -> "a/.wh..wh..opq").
  static LayerEntry Opaque(const std::string& dir);
};

struct ExtraLayer {
  std::vector<LayerEntry> entries;
  LayerCompression compression = LayerCompression::kGzip;
};

// The runtime part of the image config the builders write.
struct TestImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
};

struct BuiltLayer {
  std::string blob;     // compressed (or not) layer bytes
  std::string digest;   // sha256:<hex> of blob
  std::string diff_id;  // sha256:<hex> of the uncompressed tar
  std::string media_type;
};

std::string Sha256Digest(std::string_view data);

// A layer tar in memory (entries in the given order, fixed mtimes, deterministic gzip).
Result<BuiltLayer> BuildLayer(const std::vector<LayerEntry>& entries, LayerCompression compression);

// bin/busybox, bin/<applet> -> busybox for each `busybox --list` name, etc/passwd (root and
// nobody 65534), etc/group, tmp/ (1777) and the usual empty mount-point dirs.
Result<std::vector<LayerEntry>> BusyboxRootfsEntries();
// Cmd ["sh"], Env [PATH=...].
TestImageConfig BusyboxConfig();

// Writes an OCI image layout at `dir` (created if missing) with the given layers (bottom first)
// and config. `ref_name` becomes the org.opencontainers.image.ref.name annotation of the index
// entry; empty means none. Returns the manifest digest.
Result<std::string> BuildOciLayout(const std::string& dir, const std::string& ref_name,
                                   const std::vector<ExtraLayer>& layers,
                                   const TestImageConfig& config);

// The busybox layer (gzip) followed by `extra_layers`. Returns the manifest digest.
Result<std::string> BuildBusyboxOciLayout(const std::string& dir, const std::string& ref_name,
                                          const std::vector<ExtraLayer>& extra_layers = {});

// A classic `docker save` tar: manifest.json (Config, RepoTags, Layers), <config-hex>.json,
// <id>/layer.tar uncompressed, repositories. Empty `repo_tag` writes RepoTags null. Returns the
// config digest.
Result<std::string> BuildBusyboxDockerArchive(const std::string& tar_path,
                                              const std::string& repo_tag,
                                              const std::vector<ExtraLayer>& extra_layers = {});

// Packs the regular files under `dir` into an (uncompressed) tar, names relative to `dir`;
// an OCI layout packed this way is an oci-archive.
Result<void> PackDirectoryAsTar(const std::string& dir, const std::string& tar_path);

}  // namespace gantry::testing
