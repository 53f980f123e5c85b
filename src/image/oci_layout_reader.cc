// ReadOciLayout: resolves an OCI image layout directory to one image manifest.
#include <boost/json.hpp>

#include "common/file_util.h"
#include "common/json_util.h"
#include "image/digest.h"
#include "image/import_plan.h"
#include "image/oci_manifest.h"
#include "image/reference.h"

namespace gantry::image {

namespace {

std::string BlobFile(const std::string& dir, std::string_view digest) {
  return dir + "/blobs/sha256/" + DigestHex(digest);
}

// Reads a small document blob and checks its digest before anything parses it.
Result<std::string> ReadVerified(const std::string& dir, const Descriptor& d, std::string_view what) {
  auto data = ReadFile(BlobFile(dir, d.digest));
  if (!data.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "{} {}: blob missing from layout {}", what,
                     d.digest, dir);
  }
  std::string got = Sha256Digest(*data);
  if (got != d.digest) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "{} {}: digest mismatch (content is {})", what, d.digest, got);
  }
  return data;
}

const Descriptor* ChooseByTag(const std::vector<Descriptor>& descs,
                              const std::optional<std::string>& tag) {
  if (tag) {
    for (const auto& d : descs) {
      for (auto key : {kRefNameAnnotation, kContainerdNameAnnotation}) {
        auto it = d.annotations.find(std::string(key));
        if (it != d.annotations.end() && ReferenceMatches(it->second, *tag)) return &d;
      }
    }
  }
  return &descs.front();
}

std::optional<std::string> NameFromAnnotations(const Descriptor& d) {
  // containerd/docker write the full name here and only the tag in ref.name.
  for (auto key : {kContainerdNameAnnotation, kRefNameAnnotation}) {
    auto it = d.annotations.find(std::string(key));
    if (it != d.annotations.end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

}  // namespace

Result<ImportPlan> ReadOciLayout(const std::string& dir, const std::optional<std::string>& tag) {
  GANTRY_ASSIGN_OR_RETURN(std::string layout, ReadFile(dir + "/oci-layout"));
  GANTRY_ASSIGN_OR_RETURN(boost::json::value layout_json, ParseJson(layout));
  if (!layout_json.is_object() || !layout_json.as_object().contains("imageLayoutVersion")) {
    return MakeError(ErrorCode::kInvalidArgument, "{}/oci-layout: no imageLayoutVersion", dir);
  }
  auto index_text = ReadFile(dir + "/index.json");
  if (!index_text.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "OCI layout {} has no index.json", dir);
  }
  GANTRY_ASSIGN_OR_RETURN(std::vector<Descriptor> top, ParseIndex(*index_text, dir + "/index.json"));

  ImportPlan plan;
  const Descriptor* chosen = ChooseByTag(top, tag);
  plan.default_name = NameFromAnnotations(*chosen);

  // Follow nested indexes (multi-platform images) down to one manifest for linux/amd64.
  Descriptor current = *chosen;
  for (int depth = 0; IsIndexMediaType(current.media_type); ++depth) {
    if (depth >= 4) {
      return MakeError(ErrorCode::kInvalidArgument, "OCI layout {}: image indexes nest too deep",
                       dir);
    }
    GANTRY_ASSIGN_OR_RETURN(std::string text, ReadVerified(dir, current, "image index"));
    GANTRY_ASSIGN_OR_RETURN(std::vector<Descriptor> nested,
                            ParseIndex(text, "image index " + current.digest));
    const Descriptor* pick = nullptr;
    for (const auto& d : nested) {
      if (d.os == "linux" && d.architecture == "amd64") {
        pick = &d;
        break;
      }
    }
    if (!pick) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "image index {} in {} has no linux/amd64 manifest", current.digest, dir);
    }
    current = *pick;
  }
  if (!current.media_type.empty() && !IsManifestMediaType(current.media_type)) {
    return MakeError(ErrorCode::kInvalidArgument, "OCI layout {}: {} has unsupported mediaType '{}'",
                     dir, current.digest, current.media_type);
  }

  GANTRY_ASSIGN_OR_RETURN(plan.manifest, ReadVerified(dir, current, "manifest"));
  plan.manifest_digest = current.digest;
  GANTRY_ASSIGN_OR_RETURN(Manifest m, ParseManifest(plan.manifest, "manifest " + current.digest));
  auto source = [&](const Descriptor& d) {
    return BlobSource{BlobFile(dir, d.digest), d.digest,
                      d.size >= 0 ? std::optional<int64_t>(d.size) : std::nullopt, d.media_type};
  };
  plan.config = source(m.config);
  for (const auto& l : m.layers) plan.layers.push_back(source(l));
  return plan;
}

}  // namespace gantry::image
