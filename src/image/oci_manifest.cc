#include "image/oci_manifest.h"

#include <boost/json.hpp>

#include "common/json_util.h"
#include "image/digest.h"

namespace gantry::image {

namespace json = boost::json;

namespace {

Result<Descriptor> ParseDescriptor(const json::object& o, const std::string& path) {
  Descriptor d;
  GANTRY_ASSIGN_OR_RETURN(auto media_type, GetString(o, "mediaType", path));
  GANTRY_ASSIGN_OR_RETURN(auto digest, GetString(o, "digest", path));
  GANTRY_ASSIGN_OR_RETURN(auto size, GetInt(o, "size", path));
  if (!digest) return MakeError(ErrorCode::kInvalidArgument, "{}.digest is required", path);
  GANTRY_TRY(ValidateDigest(*digest, JoinPath(path, "digest")));
  if (size && *size < 0) return MakeError(ErrorCode::kInvalidArgument, "{}.size is negative", path);
  d.media_type = media_type.value_or("");
  d.digest = *digest;
  d.size = size.value_or(-1);
  GANTRY_ASSIGN_OR_RETURN(const json::object* annotations, GetObject(o, "annotations", path));
  if (annotations) {
    for (const auto& kv : *annotations) {
      if (kv.value().is_string()) d.annotations[std::string(kv.key())] = kv.value().as_string();
    }
  }
  GANTRY_ASSIGN_OR_RETURN(const json::object* platform, GetObject(o, "platform", path));
  if (platform) {
    GANTRY_ASSIGN_OR_RETURN(auto os, GetString(*platform, "os", JoinPath(path, "platform")));
    GANTRY_ASSIGN_OR_RETURN(auto arch,
                            GetString(*platform, "architecture", JoinPath(path, "platform")));
    d.os = os.value_or("");
    d.architecture = arch.value_or("");
  }
  return d;
}

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  auto v = ParseJson(text);
  if (!v.ok()) return MakeError(ErrorCode::kInvalidArgument, "{}: {}", what, v.error().message);
  if (!v->is_object()) return MakeError(ErrorCode::kInvalidArgument, "{}: not a JSON object", what);
  return std::move(v->as_object());
}

}  // namespace

bool IsIndexMediaType(std::string_view media_type) {
  return media_type == kOciIndexType || media_type == kDockerListType;
}

bool IsManifestMediaType(std::string_view media_type) {
  return media_type == kOciManifestType || media_type == kDockerManifestType;
}

Result<Manifest> ParseManifest(std::string_view text, std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(json::object o, ParseObject(text, what));
  const std::string path(what);
  GANTRY_ASSIGN_OR_RETURN(auto media_type, GetString(o, "mediaType", path));
  if (media_type && !IsManifestMediaType(*media_type)) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: unsupported manifest mediaType '{}'", what,
                     *media_type);
  }
  GANTRY_ASSIGN_OR_RETURN(const json::object* config, GetObject(o, "config", path));
  GANTRY_ASSIGN_OR_RETURN(const json::array* layers, GetArray(o, "layers", path));
  if (!config || !layers) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: an image manifest needs config and layers",
                     what);
  }
  Manifest m;
  GANTRY_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config, JoinPath(path, "config")));
  for (size_t i = 0; i < layers->size(); ++i) {
    const std::string lp = fmt::format("{}.layers[{}]", path, i);
    if (!(*layers)[i].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", lp);
    }
    GANTRY_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*layers)[i].as_object(), lp));
    m.layers.push_back(std::move(d));
  }
  return m;
}

Result<std::vector<Descriptor>> ParseIndex(std::string_view text, std::string_view what) {
  GANTRY_ASSIGN_OR_RETURN(json::object o, ParseObject(text, what));
  const std::string path(what);
  GANTRY_ASSIGN_OR_RETURN(const json::array* manifests, GetArray(o, "manifests", path));
  if (!manifests || manifests->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "{}: no manifests listed", what);
  }
  std::vector<Descriptor> out;
  for (size_t i = 0; i < manifests->size(); ++i) {
    const std::string mp = fmt::format("{}.manifests[{}]", path, i);
    if (!(*manifests)[i].is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", mp);
    }
    GANTRY_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor((*manifests)[i].as_object(), mp));
    out.push_back(std::move(d));
  }
  return out;
}

std::string SerializeOciManifest(const Manifest& manifest) {
  auto desc = [](const Descriptor& d) {
    json::object o;
    o["mediaType"] = d.media_type;
    o["digest"] = d.digest;
    o["size"] = d.size;
    return o;
  };
  json::object m;
  m["schemaVersion"] = 2;
  m["mediaType"] = kOciManifestType;
  m["config"] = desc(manifest.config);
  json::array layers;
  for (const auto& l : manifest.layers) layers.push_back(desc(l));
  m["layers"] = std::move(layers);
  return json::serialize(m);
}

}  // namespace gantry::image
