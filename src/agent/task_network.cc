#include "agent/agent.h"

namespace gantry::agent {

namespace {

class CniTaskNetwork final : public TaskNetwork {
 public:
  explicit CniTaskNetwork(network::TaskNetworkManager& m) : m_(m) {}
  Result<network::Attachment> Setup(const std::string& task_id, const std::string& mode,
                                    const std::vector<network::PortMapping>& ports,
                                    const std::string& hostname) override {
    return m_.Setup(task_id, mode, ports, hostname);
  }
  Result<void> Teardown(const std::string& task_id) override { return m_.Teardown(task_id); }
  Result<void> GarbageCollect(const std::set<std::string>& live) override {
    return m_.GarbageCollect(live);
  }

 private:
  network::TaskNetworkManager& m_;
};

}  // namespace

std::unique_ptr<TaskNetwork> MakeCniTaskNetwork(network::TaskNetworkManager& manager) {
  return std::make_unique<CniTaskNetwork>(manager);
}

}  // namespace gantry::agent
