// libFuzzer target: the AWS JSON request path (parse, model validation, framing).
#include "fuzz/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gantry::fuzz::JsonRequestEntry(data, size);
}
