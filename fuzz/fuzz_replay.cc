// Replays a fuzz corpus through an entry point with any compiler, so the normal (g++) test run
// exercises every committed corpus file: fuzz_replay <sigv4|json_request> <dir or file>...
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_entries.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_replay <sigv4|json_request> <dir or file>...\n");
    return 2;
  }
  std::string which = argv[1];
  auto entry = which == "sigv4"          ? gantry::fuzz::SigV4Entry
               : which == "json_request" ? gantry::fuzz::JsonRequestEntry
                                         : nullptr;
  if (!entry) return 2;
  std::vector<std::filesystem::path> files;
  for (int i = 2; i < argc; ++i) {
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i])) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.emplace_back(argv[i]);
    }
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    entry(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("fuzz_replay %s: %zu inputs ok\n", which.c_str(), files.size());
  return files.empty() ? 1 : 0;
}
