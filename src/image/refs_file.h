// The on-disk form of the reference table (root/refs.json): every ImageInfo, keyed by its
// normalized reference.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "image/image_store.h"

namespace gantry::image {

using RefTable = std::map<std::string, ImageInfo>;

std::string SerializeRefs(const RefTable& refs);
Result<RefTable> ParseRefs(std::string_view text, std::string_view what);

}  // namespace gantry::image
