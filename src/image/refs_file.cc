#include "image/refs_file.h"

#include <boost/json.hpp>

#include "common/json_util.h"
#include "image/digest.h"

namespace gantry::image {

namespace json = boost::json;

namespace {

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object ToJson(const ImageInfo& i) {
  json::object c;
  c["entrypoint"] = ToArray(i.config.entrypoint);
  c["cmd"] = ToArray(i.config.cmd);
  c["env"] = ToArray(i.config.env);
  c["working_dir"] = i.config.working_dir;
  c["user"] = i.config.user;
  json::object o;
  o["reference"] = i.reference;
  o["manifest_digest"] = i.manifest_digest;
  o["config_digest"] = i.config_digest;
  o["layer_digests"] = ToArray(i.layer_digests);
  o["size_bytes"] = i.size_bytes;
  o["created_ms"] = i.created_ms;
  o["config"] = std::move(c);
  return o;
}

Result<ImageInfo> FromJson(const json::object& o, const std::string& path) {
  ImageInfo i;
  GANTRY_ASSIGN_OR_RETURN(auto reference, GetString(o, "reference", path));
  GANTRY_ASSIGN_OR_RETURN(auto manifest, GetString(o, "manifest_digest", path));
  GANTRY_ASSIGN_OR_RETURN(auto config_digest, GetString(o, "config_digest", path));
  GANTRY_ASSIGN_OR_RETURN(auto layers, GetStringList(o, "layer_digests", path));
  GANTRY_ASSIGN_OR_RETURN(auto size, GetInt(o, "size_bytes", path));
  GANTRY_ASSIGN_OR_RETURN(auto created, GetInt(o, "created_ms", path));
  if (!reference || !manifest || !config_digest || !layers) {
    return MakeError(ErrorCode::kInternal, "{}: incomplete image record", path);
  }
  GANTRY_TRY(ValidateDigest(*manifest, JoinPath(path, "manifest_digest")));
  GANTRY_TRY(ValidateDigest(*config_digest, JoinPath(path, "config_digest")));
  for (const auto& l : *layers) GANTRY_TRY(ValidateDigest(l, JoinPath(path, "layer_digests")));
  i.reference = *reference;
  i.manifest_digest = *manifest;
  i.config_digest = *config_digest;
  i.layer_digests = *layers;
  i.size_bytes = size.value_or(0);
  i.created_ms = created.value_or(0);
  GANTRY_ASSIGN_OR_RETURN(const json::object* c, GetObject(o, "config", path));
  if (c) {
    const std::string cp = JoinPath(path, "config");
    GANTRY_ASSIGN_OR_RETURN(auto entrypoint, GetStringList(*c, "entrypoint", cp));
    GANTRY_ASSIGN_OR_RETURN(auto cmd, GetStringList(*c, "cmd", cp));
    GANTRY_ASSIGN_OR_RETURN(auto env, GetStringList(*c, "env", cp));
    GANTRY_ASSIGN_OR_RETURN(auto wd, GetString(*c, "working_dir", cp));
    GANTRY_ASSIGN_OR_RETURN(auto user, GetString(*c, "user", cp));
    i.config.entrypoint = entrypoint.value_or(std::vector<std::string>{});
    i.config.cmd = cmd.value_or(std::vector<std::string>{});
    i.config.env = env.value_or(std::vector<std::string>{});
    i.config.working_dir = wd.value_or("");
    i.config.user = user.value_or("");
  }
  return i;
}

}  // namespace

std::string SerializeRefs(const RefTable& refs) {
  json::array images;
  for (const auto& [key, info] : refs) images.push_back(ToJson(info));
  json::object root;
  root["version"] = 1;
  root["images"] = std::move(images);
  return json::serialize(root);
}

Result<RefTable> ParseRefs(std::string_view text, std::string_view what) {
  auto v = ParseJson(text);
  if (!v.ok()) return MakeError(ErrorCode::kInternal, "{}: {}", what, v.error().message);
  if (!v->is_object()) return MakeError(ErrorCode::kInternal, "{}: not a JSON object", what);
  GANTRY_ASSIGN_OR_RETURN(const json::array* images,
                          GetArray(v->as_object(), "images", std::string(what)));
  RefTable refs;
  if (!images) return refs;
  for (size_t n = 0; n < images->size(); ++n) {
    const std::string path = fmt::format("{}.images[{}]", what, n);
    if (!(*images)[n].is_object()) return MakeError(ErrorCode::kInternal, "{}: not an object", path);
    GANTRY_ASSIGN_OR_RETURN(ImageInfo info, FromJson((*images)[n].as_object(), path));
    std::string key = info.reference;
    refs[key] = std::move(info);
  }
  return refs;
}

}  // namespace gantry::image
