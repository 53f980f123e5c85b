// runtime_tests doubles as the shim binary: Runtime::Start spawns `/proc/self/exe shim <dir>`.
#include <gtest/gtest.h>

#include <string>

#include "runtime/runtime.h"
#include "runtime/shim_zygote.h"

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "shim") return gantry::runtime::ShimMain(argv[2]);
  if (argc >= 2 && std::string(argv[1]) == "zygote")
    return gantry::runtime::ShimZygoteMain(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
