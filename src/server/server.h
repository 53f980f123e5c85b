// `gantry server`: wires the control plane (store, services, controllers, HTTP front door) and
// the embedded agent for this machine into one process.
#pragma once

#include <string>

namespace gantry::server {

struct ServerOptions {
  std::string data_dir = "/var/lib/gantry";
  std::string run_dir = "/run/gantry/state";  // transient per-task state (tmpfs)
  std::string listen = "127.0.0.1:7480";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string runtime = "crun";
  std::string node_id = "local";
  std::string bridge = "gantry0";
  std::string subnet = "10.213.0.0/16";
  int warm_pool = 16;  // task namespaces kept attached with an IP, ready to claim
  bool embedded_agent = true;
};

inline constexpr const char* kDefaultEndpoint = "http://127.0.0.1:7480";

int ServerMain(int argc, char** argv);

}  // namespace gantry::server
