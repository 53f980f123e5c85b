#include "network/cni_plugin.h"

#include <boost/json/serialize.hpp>

#include "common/json_util.h"
#include "common/process.h"

namespace gantry::network {

namespace json = boost::json;

Result<json::object> InvokeCni(const std::string& bin_dir, const CniCall& call,
                               const json::object& config) {
  auto type_it = config.find("type");
  if (type_it == config.end() || !type_it->value().is_string())
    return MakeError(ErrorCode::kInternal, "CNI config without a type");
  const std::string type(type_it->value().as_string());
  ProcessOptions po;
  po.argv = {bin_dir + "/" + type};
  // Plugins shell out to iptables/ip: give them a PATH that finds the sbin tools.
  po.env = std::vector<std::string>{
      "CNI_COMMAND=" + call.command,
      "CNI_CONTAINERID=" + call.container_id,
      "CNI_NETNS=" + call.netns_path,
      "CNI_IFNAME=" + call.ifname,
      "CNI_PATH=" + bin_dir,
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  po.stdin_data = json::serialize(config);
  GANTRY_ASSIGN_OR_RETURN(ProcessResult pr, RunProcess(po));
  if (pr.exit_code != 0) {
    std::string msg = pr.err;
    auto parsed = ParseJson(pr.out);
    if (parsed.ok() && parsed->is_object()) {
      const auto& o = parsed->as_object();
      msg.clear();
      if (auto* m = o.if_contains("msg"); m && m->is_string()) msg = std::string(m->as_string());
      if (auto* d = o.if_contains("details"); d && d->is_string() && !d->as_string().empty())
        msg += ": " + std::string(d->as_string());
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    ErrorCode code = msg.find("no IP addresses available") != std::string::npos
                         ? ErrorCode::kResourceExhausted
                         : ErrorCode::kInternal;
    return MakeError(code, "CNI {} {} for {} failed (exit {}): {}", type, call.command,
                     call.container_id, pr.exit_code, msg.empty() ? pr.out : msg);
  }
  if (call.command != "ADD") return json::object{};
  auto parsed = ParseJson(pr.out);
  if (!parsed.ok() || !parsed->is_object())
    return MakeError(ErrorCode::kInternal, "CNI {} ADD for {}: unparsable result '{}'", type,
                     call.container_id, pr.out);
  return std::move(parsed->as_object());
}

}  // namespace gantry::network
