// Region scoping: resources are per region as on AWS. Store keys and log group names carry the
// region; ARNs name it. These helpers are the one place those encodings are spelled out.
#pragma once

#include <string>
#include <string_view>

namespace gantry::model {

// The region named by an ARN (arn:aws:<svc>:<region>:<account>:...), "" when `arn` is not one.
inline std::string RegionOfArn(std::string_view arn) {
  if (arn.substr(0, 4) != "arn:") return {};
  size_t p = 0;
  for (int i = 0; i < 3; ++i) {
    p = arn.find(':', p);
    if (p == std::string_view::npos) return {};
    ++p;
  }
  size_t e = arn.find(':', p);
  if (e == std::string_view::npos) return {};
  return std::string(arn.substr(p, e - p));
}

// A store key inside a region: "<region>/<key>". Region names never contain '/'.
inline std::string RegionalKey(std::string_view region, std::string_view key) {
  std::string out(region);
  out += '/';
  out += key;
  return out;
}

// The LogStore name of a CloudWatch log group in a region: "<region>:<group>". Log group names
// cannot contain ':', so the split is unambiguous.
inline std::string RegionalLogGroup(std::string_view region, std::string_view group) {
  std::string out(region);
  out += ':';
  out += group;
  return out;
}

// Inverse of RegionalLogGroup: the group name when `stored` belongs to `region`, else "".
inline std::string LogGroupInRegion(std::string_view stored, std::string_view region) {
  if (stored.size() <= region.size() + 1 || stored.substr(0, region.size()) != region ||
      stored[region.size()] != ':')
    return {};
  return std::string(stored.substr(region.size() + 1));
}

// Region names we accept in a SigV4 scope or awslogs-region: [A-Za-z0-9_-], 1-64 characters
// (never '/' or ':', which the encodings above rely on).
inline bool IsValidRegion(std::string_view r) {
  if (r.empty() || r.size() > 64) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_'))
      return false;
  }
  return true;
}

}  // namespace gantry::model
