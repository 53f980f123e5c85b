#include "image/image_config.h"

#include <boost/json.hpp>

#include "common/json_util.h"

namespace gantry::image {

namespace json = boost::json;

Result<ParsedImageConfig> ParseImageConfig(std::string_view text, std::string_view what) {
  auto v = ParseJson(text);
  if (!v.ok()) return MakeError(ErrorCode::kInvalidArgument, "{}: {}", what, v.error().message);
  if (!v->is_object()) return MakeError(ErrorCode::kInvalidArgument, "{}: not a JSON object", what);
  const json::object& root = v->as_object();
  const std::string path(what);
  ParsedImageConfig out;
  GANTRY_ASSIGN_OR_RETURN(const json::object* c, GetObject(root, "config", path));
  if (c) {
    const std::string cp = JoinPath(path, "config");
    GANTRY_ASSIGN_OR_RETURN(auto entrypoint, GetStringList(*c, "Entrypoint", cp));
    GANTRY_ASSIGN_OR_RETURN(auto cmd, GetStringList(*c, "Cmd", cp));
    GANTRY_ASSIGN_OR_RETURN(auto env, GetStringList(*c, "Env", cp));
    GANTRY_ASSIGN_OR_RETURN(auto working_dir, GetString(*c, "WorkingDir", cp));
    GANTRY_ASSIGN_OR_RETURN(auto user, GetString(*c, "User", cp));
    out.config.entrypoint = entrypoint.value_or(std::vector<std::string>{});
    out.config.cmd = cmd.value_or(std::vector<std::string>{});
    out.config.env = env.value_or(std::vector<std::string>{});
    out.config.working_dir = working_dir.value_or("");
    out.config.user = user.value_or("");
  }
  GANTRY_ASSIGN_OR_RETURN(const json::object* rootfs, GetObject(root, "rootfs", path));
  if (rootfs) {
    GANTRY_ASSIGN_OR_RETURN(const json::array* diff_ids,
                            GetArray(*rootfs, "diff_ids", JoinPath(path, "rootfs")));
    if (diff_ids) out.diff_id_count = static_cast<int64_t>(diff_ids->size());
  }
  return out;
}

}  // namespace gantry::image
