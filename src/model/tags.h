// Tag edits shared by every taggable resource (TagResource/UntagResource semantics).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "model/task_definition.h"

namespace gantry::model {

inline constexpr size_t kMaxTags = 50;

// Adds `add` (a tag whose key exists replaces its value) and removes `remove_keys`. Returns
// false when the result would hold more than kMaxTags tags (nothing is changed then).
inline bool ApplyTagChanges(std::vector<Tag>& tags, const std::vector<Tag>& add,
                            const std::vector<std::string>& remove_keys) {
  std::vector<Tag> out = tags;
  for (const auto& t : add) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Tag& x) { return x.key == t.key; });
    if (it != out.end()) it->value = t.value;
    else out.push_back(t);
  }
  std::erase_if(out, [&](const Tag& x) {
    return std::find(remove_keys.begin(), remove_keys.end(), x.key) != remove_keys.end();
  });
  if (out.size() > kMaxTags) return false;
  tags = std::move(out);
  return true;
}

}  // namespace gantry::model
