#include "agent/container_config.h"

#include "model/port_mapping.h"

#include <map>

namespace gantry::agent {

Result<ResolvedContainer> ResolveContainer(const image::ImageConfig& image,
                                           const model::ContainerDefinition& def,
                                           const model::ContainerOverride* ov) {
  ResolvedContainer r;
  std::vector<std::string> entry = def.entry_point ? *def.entry_point : image.entrypoint;
  std::vector<std::string> cmd;
  if (ov && ov->command) cmd = *ov->command;
  else if (def.command) cmd = *def.command;
  else if (!def.entry_point) cmd = image.cmd;
  r.args = entry;
  r.args.insert(r.args.end(), cmd.begin(), cmd.end());
  if (r.args.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "CannotStartContainerError: no command specified for container '{}' (the "
                     "image has no ENTRYPOINT or CMD and the definition gives no command)",
                     def.name);

  // Keep first-seen order, let later layers replace values.
  std::vector<std::string> order;
  std::map<std::string, std::string> vals;
  auto set = [&](const std::string& k, const std::string& v) {
    if (!vals.count(k)) order.push_back(k);
    vals[k] = v;
  };
  for (const auto& kv : image.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) set(kv, "");
    else set(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& kv : def.environment) set(kv.name, kv.value);
  if (ov) {
    for (const auto& kv : ov->environment) set(kv.name, kv.value);
  }
  if (!vals.count("PATH")) set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (const auto& k : order) r.env.push_back(k + "=" + vals[k]);

  r.cwd = !def.working_directory.empty() ? def.working_directory
                                         : (!image.working_dir.empty() ? image.working_dir : "/");
  r.user = !def.user.empty() ? def.user : image.user;
  int64_t cpu = def.cpu;
  std::optional<int64_t> mem = def.memory, res = def.memory_reservation;
  if (ov) {
    if (ov->cpu) cpu = *ov->cpu;
    if (ov->memory) mem = ov->memory;
    if (ov->memory_reservation) res = ov->memory_reservation;
  }
  r.cpu_shares = cpu;
  r.memory_limit_bytes = mem ? *mem * 1024 * 1024 : 0;
  r.memory_reservation_bytes = res ? *res * 1024 * 1024 : 0;
  r.stop_timeout_s = def.stop_timeout.value_or(model::kDefaultStopTimeoutS);
  return r;
}

std::vector<network::PortMapping> PortMappingsFor(const model::TaskDefinition& td) {
  std::vector<network::PortMapping> out;
  for (const auto& c : td.containers) {
    auto pms = model::PortMappingsOf(c, td.network_mode);
    if (!pms.ok()) continue;  // validated when the definition was registered
    for (const auto& pm : *pms) {
      network::PortMapping m;
      m.container_port = pm.container_port;
      m.protocol = pm.protocol;
      if (td.network_mode == "host") m.host_port = pm.container_port;
      else if (td.network_mode == "bridge") m.host_port = pm.host_port;
      else m.host_port = 0;
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace gantry::agent
