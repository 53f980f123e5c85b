// libFuzzer target: SigV4 parsing, canonicalization and verification.
#include "fuzz/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gantry::fuzz::SigV4Entry(data, size);
}
