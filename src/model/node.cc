#include "model/node.h"

#include <boost/json.hpp>

#include "common/json_util.h"

namespace gantry::model {

namespace json = boost::json;

std::string ToStoreJson(const Node& n) {
  return json::serialize(json::object{{"id", n.id},
                                      {"hostname", n.hostname},
                                      {"cpu", n.cpu_units},
                                      {"memory", n.memory_mib},
                                      {"status", n.status},
                                      {"registeredAt", n.registered_at_ms},
                                      {"heartbeatAt", n.heartbeat_at_ms}});
}

Result<Node> NodeFromStoreJson(const std::string& text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInternal, "stored node corrupt");
  const auto& o = v.as_object();
  Node n;
  GANTRY_ASSIGN_OR_RETURN(auto id, GetString(o, "id", ""));
  GANTRY_ASSIGN_OR_RETURN(auto host, GetString(o, "hostname", ""));
  GANTRY_ASSIGN_OR_RETURN(auto cpu, GetInt(o, "cpu", ""));
  GANTRY_ASSIGN_OR_RETURN(auto mem, GetInt(o, "memory", ""));
  GANTRY_ASSIGN_OR_RETURN(auto st, GetString(o, "status", ""));
  GANTRY_ASSIGN_OR_RETURN(auto reg, GetInt(o, "registeredAt", ""));
  GANTRY_ASSIGN_OR_RETURN(auto hb, GetInt(o, "heartbeatAt", ""));
  n.id = id.value_or("");
  n.hostname = host.value_or("");
  n.cpu_units = cpu.value_or(0);
  n.memory_mib = mem.value_or(0);
  n.status = st.value_or("ACTIVE");
  n.registered_at_ms = reg.value_or(0);
  n.heartbeat_at_ms = hb.value_or(0);
  return n;
}

}  // namespace gantry::model
