// gantry-shim: the per-task shim alone (`gantry-shim shim <task_dir>`, the same arguments as
// `gantry shim`). It links only the runtime module, so it execs and relocates in a fraction of
// the time the full gantry binary (server + CLI) needs; the server prefers it when it is
// installed next to the gantry executable.
#include <cstdio>
#include <cstring>

#include "runtime/runtime.h"
#include "runtime/shim_zygote.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "shim") == 0) return gantry::runtime::ShimMain(argv[2]);
  // Started by the runtime with its socket as fd 3: forks shims on request (shim_zygote.h).
  if (argc >= 2 && std::strcmp(argv[1], "zygote") == 0)
    return gantry::runtime::ShimZygoteMain(argc, argv);
  std::fprintf(stderr, "usage: gantry-shim shim <task_dir>\n");
  return 2;
}
