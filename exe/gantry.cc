// gantry: one binary for the server, the per-task shim and the CLI client.
#include <cstring>
#include <string>

#include "cli/cli_main.h"
#include "runtime/runtime.h"
#include "server/server.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "server") == 0)
    return gantry::server::ServerMain(argc - 1, argv + 1);
  if (argc >= 3 && std::strcmp(argv[1], "shim") == 0) return gantry::runtime::ShimMain(argv[2]);
  return gantry::cli::CliMain(argc, argv);
}
