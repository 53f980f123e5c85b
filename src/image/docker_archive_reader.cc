// ReadDockerArchive: turns an unpacked `docker save` archive into an OCI import plan.
#include <fcntl.h>
#include <unistd.h>

#include <array>

#include <boost/json.hpp>

#include "common/fd.h"
#include "common/file_util.h"
#include "common/json_util.h"
#include "image/digest.h"
#include "image/import_plan.h"
#include "image/layer_path.h"
#include "image/oci_manifest.h"
#include "image/reference.h"

namespace gantry::image {

namespace json = boost::json;

namespace {

// Layer blobs in an archive may be plain tars (classic docker save) or compressed (newer
// docker/podman); the synthesized manifest must say which.
std::string_view SniffLayerMediaType(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::array<unsigned char, 4> magic{};
  if (fd.valid() && ::read(fd.get(), magic.data(), magic.size()) == 4) {
    if (magic[0] == 0x1f && magic[1] == 0x8b) return kOciLayerGzip;
    if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
      return kOciLayerZstd;
    }
  }
  return kOciLayerTar;
}

// When a file is named after its digest ("<hex>.json", "blobs/sha256/<hex>"), that name is a
// claim we can check.
std::optional<std::string> DigestFromName(std::string_view rel) {
  std::string_view base = rel.substr(rel.rfind('/') == std::string_view::npos ? 0 : rel.rfind('/') + 1);
  if (base.ends_with(".json")) base.remove_suffix(5);
  std::string candidate = "sha256:" + std::string(base);
  if (IsSha256Digest(candidate) && (rel.ends_with(".json") || rel.starts_with("blobs/sha256/"))) {
    return candidate;
  }
  return std::nullopt;
}

Result<BlobSource> HashMember(const std::string& dir, const std::string& raw,
                              std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(std::string rel, NormalizeEntryPath(raw, what));
  const std::string path = dir + "/" + rel;
  auto hashed = Sha256File(path);
  if (!hashed.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: '{}' is missing from the archive", what, raw);
  }
  if (auto claimed = DigestFromName(rel); claimed && *claimed != hashed->digest) {
    return MakeError(ErrorCode::kInvalidArgument, "{} '{}': digest mismatch (content is {})",
                     what, raw, hashed->digest);
  }
  return BlobSource{path, hashed->digest, hashed->size, ""};
}

}  // namespace

Result<ImportPlan> ReadDockerArchive(const std::string& dir,
                                     const std::optional<std::string>& tag) {
  GANTRY_ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/manifest.json"));
  auto parsed = ParseJson(text);
  if (!parsed.ok() || !parsed->is_array() || parsed->as_array().empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "docker archive manifest.json must be a non-empty JSON array");
  }
  const json::array& entries = parsed->as_array();
  size_t chosen = 0;
  std::vector<std::vector<std::string>> repo_tags(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "manifest.json[{}] must be an object", i);
    }
    GANTRY_ASSIGN_OR_RETURN(auto tags, GetStringList(entries[i].as_object(), "RepoTags",
                                                     fmt::format("manifest.json[{}]", i)));
    repo_tags[i] = tags.value_or(std::vector<std::string>{});
  }
  if (tag) {
    for (size_t i = 0; i < entries.size() && chosen == 0; ++i) {
      for (const auto& t : repo_tags[i]) {
        if (ReferenceMatches(t, *tag)) {
          chosen = i;
          break;
        }
      }
    }
  }
  const json::object& e = entries[chosen].as_object();
  const std::string path = fmt::format("manifest.json[{}]", chosen);
  GANTRY_ASSIGN_OR_RETURN(auto config, GetString(e, "Config", path));
  GANTRY_ASSIGN_OR_RETURN(auto layers, GetStringList(e, "Layers", path));
  if (!config || !layers) {
    return MakeError(ErrorCode::kInvalidArgument, "{} needs Config and Layers", path);
  }

  ImportPlan plan;
  if (!repo_tags[chosen].empty()) plan.default_name = repo_tags[chosen].front();
  GANTRY_ASSIGN_OR_RETURN(plan.config, HashMember(dir, *config, "docker archive config"));
  plan.config.media_type = kOciConfigType;
  Manifest m;
  m.config = Descriptor{std::string(kOciConfigType), plan.config.digest, *plan.config.size, {}, "", ""};
  for (const auto& l : *layers) {
    GANTRY_ASSIGN_OR_RETURN(BlobSource layer, HashMember(dir, l, "docker archive layer"));
    layer.media_type = SniffLayerMediaType(layer.path);
    m.layers.push_back(Descriptor{layer.media_type, layer.digest, *layer.size, {}, "", ""});
    plan.layers.push_back(std::move(layer));
  }
  plan.manifest = SerializeOciManifest(m);
  return plan;
}

}  // namespace gantry::image
