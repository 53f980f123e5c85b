// Resolves what a container actually runs from three layers, as Docker/ECS do: the image config,
// the container definition, and the task's overrides (argv, env, cwd, user, limits).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "image/image_store.h"
#include "model/task.h"
#include "model/task_definition.h"
#include "network/task_network_manager.h"

namespace gantry::agent {

struct ResolvedContainer {
  std::vector<std::string> args;
  std::vector<std::string> env;  // KEY=VALUE, later entries win
  std::string cwd;
  std::string user;
  int64_t cpu_shares = 0;
  int64_t memory_limit_bytes = 0;
  int64_t memory_reservation_bytes = 0;
  int stop_timeout_s = model::kDefaultStopTimeoutS;
};

// entryPoint replaces the image ENTRYPOINT (and then the image CMD is dropped, as in Docker);
// command (override first) replaces CMD. Environment: image, then definition, then override.
Result<ResolvedContainer> ResolveContainer(const image::ImageConfig& image,
                                           const model::ContainerDefinition& def,
                                           const model::ContainerOverride* override_);

// The task's port mappings as the network layer takes them. awsvpc: tasks are reached on their
// own IP (ECS semantics), so nothing is published on the host; bridge: hostPort publishes;
// host: the container port is the host port.
std::vector<network::PortMapping> PortMappingsFor(const model::TaskDefinition& td);

}  // namespace gantry::agent
