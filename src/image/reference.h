// Image reference helpers beyond NormalizeReference (declared in image_store.h).
#pragma once

#include <string>
#include <string_view>

namespace gantry::image {

// True when an annotation or RepoTags value designates the user's `tag` argument: equal as
// given, equal once normalized, or equal to the tag part alone (skopeo writes only "v2").
bool ReferenceMatches(std::string_view candidate, std::string_view tag);

// "a/b:1" -> "1", "a@sha256:.." -> "", "a" -> "".
std::string TagOf(std::string_view ref);

}  // namespace gantry::image
