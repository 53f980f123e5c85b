#include "agent/agent.h"
#include "network/netns.h"

namespace gantry::agent {

namespace {

// Each task gets its own network namespace with only loopback up ("none"-like until the awsvpc
// layer adds an interface); "host" tasks share the host's namespace.
class LoopbackOnlyNetwork final : public TaskNetwork {
 public:
  Result<std::string> Setup(const std::string& task_id, const std::string& mode) override {
    if (mode == "host") return std::string();
    return network::CreateNetns(task_id);
  }
  Result<void> Teardown(const std::string& task_id) override {
    return network::DeleteNetns(task_id);
  }
};

}  // namespace

std::unique_ptr<TaskNetwork> MakeLoopbackOnlyNetwork() {
  return std::make_unique<LoopbackOnlyNetwork>();
}

}  // namespace gantry::agent
