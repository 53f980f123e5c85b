#include "image/reference.h"

#include "image/image_store.h"

namespace gantry::image {

namespace {

// Position of the ':' that starts the tag, or npos. A ':' before the last '/' belongs to a
// registry host:port.
size_t TagColon(std::string_view ref) {
  if (ref.find('@') != std::string_view::npos) return std::string_view::npos;
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon == std::string_view::npos) return colon;
  if (slash != std::string_view::npos && colon < slash) return std::string_view::npos;
  return colon;
}

}  // namespace

std::string NormalizeReference(const std::string& ref) {
  if (ref.empty()) return ref;
  if (ref.find('@') != std::string::npos) return ref;  // name@sha256:... stays as given
  if (ref.starts_with("sha256:")) return ref;          // a bare manifest digest
  if (TagColon(ref) != std::string::npos) return ref;
  return ref + ":latest";
}

std::string TagOf(std::string_view ref) {
  size_t colon = TagColon(ref);
  return colon == std::string_view::npos ? std::string() : std::string(ref.substr(colon + 1));
}

bool ReferenceMatches(std::string_view candidate, std::string_view tag) {
  if (candidate.empty() || tag.empty()) return false;
  if (candidate == tag) return true;
  const std::string c = NormalizeReference(std::string(candidate));
  const std::string t = NormalizeReference(std::string(tag));
  if (c == t) return true;
  // A bare tag annotation ("latest", "v2") matches the tag part of the user's reference.
  return candidate.find('/') == std::string_view::npos &&
         candidate.find(':') == std::string_view::npos && candidate == TagOf(t);
}

}  // namespace gantry::image
