// Random identifiers: task ids (32 hex chars, as ECS), UUIDs for containers, access keys.
#pragma once

#include <string>

namespace gantry {

std::string RandomHex(size_t n_chars);
std::string RandomUuid();

}  // namespace gantry
