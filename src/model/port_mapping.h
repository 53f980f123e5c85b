// ECS portMappings of a container definition (kept verbatim in ContainerDefinition::extra):
// parsing and the rules ECS applies per network mode.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "model/task_definition.h"

namespace gantry::model {

struct PortMapping {
  int container_port = 0;
  int host_port = 0;  // 0 = not published on the host
  std::string protocol = "tcp";
};

// Validates containerPort/hostPort (1-65535), protocol (tcp|udp), duplicates, and ECS's rule for
// awsvpc and host modes (hostPort, when given, must equal containerPort).
Result<std::vector<PortMapping>> PortMappingsOf(const ContainerDefinition& c,
                                                const std::string& network_mode);

}  // namespace gantry::model
