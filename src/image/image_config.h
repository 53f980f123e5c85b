// Parses the runtime-relevant part of an OCI image config blob into ImageConfig.
#pragma once

#include <string_view>

#include "common/result.h"
#include "image/image_store.h"

namespace gantry::image {

struct ParsedImageConfig {
  ImageConfig config;
  // Number of rootfs.diff_ids, or -1 when the config lists none (checked against the layers).
  int64_t diff_id_count = -1;
};

Result<ParsedImageConfig> ParseImageConfig(std::string_view text, std::string_view what);

}  // namespace gantry::image
