// Fuzz entry points shared by the libFuzzer targets (clang, GANTRY_FUZZ) and the corpus replay
// test (any compiler): each takes one input and traps when an invariant breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/http_types.h"

namespace gantry::fuzz {

// "METHOD TARGET\nName: value\n...\n\nbody" -> request as the HTTP server hands it over
// (lower-case header names, decoded path and query).
api::HttpRequest ParseRawRequest(std::string_view raw);

// SigV4: Authorization/presigned parsing, canonicalization, verification; sign-then-verify
// must always succeed; percent-decoding inverts encoding.
int SigV4Entry(const uint8_t* data, size_t size);

// JSON request path: "<X-Amz-Target>\n<body>", signed and sent through an AwsFrontend with the
// ECS and Logs models; every reply must be a JSON object, errors with __type and
// X-Amzn-ErrorType.
int JsonRequestEntry(const uint8_t* data, size_t size);

}  // namespace gantry::fuzz
