#include "model/port_mapping.h"

#include <set>

#include "common/json_util.h"

namespace gantry::model {

Result<std::vector<PortMapping>> PortMappingsOf(const ContainerDefinition& c,
                                                const std::string& network_mode) {
  std::vector<PortMapping> out;
  std::string path = "container '" + c.name + "' portMappings";
  GANTRY_ASSIGN_OR_RETURN(const boost::json::array* arr, GetArray(c.extra, "portMappings", ""));
  if (!arr) return out;
  std::set<std::pair<int, std::string>> seen;
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string p = fmt::format("{}[{}]", path, i);
    if (!(*arr)[i].is_object())
      return MakeError(ErrorCode::kInvalidArgument, "{} must be an object", p);
    const auto& o = (*arr)[i].as_object();
    GANTRY_ASSIGN_OR_RETURN(auto cp, GetInt(o, "containerPort", p));
    GANTRY_ASSIGN_OR_RETURN(auto hp, GetInt(o, "hostPort", p));
    GANTRY_ASSIGN_OR_RETURN(auto proto, GetString(o, "protocol", p));
    PortMapping m;
    if (!cp || *cp < 1 || *cp > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "{}.containerPort must be between 1 and 65535", p);
    if (hp && (*hp < 0 || *hp > 65535))
      return MakeError(ErrorCode::kInvalidArgument, "{}.hostPort must be between 0 and 65535", p);
    m.container_port = static_cast<int>(*cp);
    m.host_port = static_cast<int>(hp.value_or(0));
    m.protocol = proto.value_or("tcp");
    if (m.protocol != "tcp" && m.protocol != "udp")
      return MakeError(ErrorCode::kInvalidArgument, "{}.protocol must be tcp or udp", p);
    if ((network_mode == "awsvpc" || network_mode == "host") && m.host_port != 0 &&
        m.host_port != m.container_port)
      return MakeError(ErrorCode::kInvalidArgument,
                       "When networkMode={}, the host ports specified must match the container "
                       "ports (container '{}': hostPort {} != containerPort {})",
                       network_mode, c.name, m.host_port, m.container_port);
    if (!seen.insert({m.container_port, m.protocol}).second)
      return MakeError(ErrorCode::kInvalidArgument, "{} maps containerPort {}/{} twice", path,
                       m.container_port, m.protocol);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace gantry::model
