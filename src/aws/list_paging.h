// Paging for AWS list operations: `nextToken` is an opaque position (base64 of an offset into a
// stable, sorted listing) and `maxResults`/`limit` bounds a page. Header-only; used by adapters.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <variant>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/aws_service.h"

namespace gantry::aws {

std::string EncodePageToken(size_t offset);
std::optional<size_t> DecodePageToken(const std::string& token);

struct PageRequest {
  size_t offset = 0;
  size_t size = 0;
};

// Reads `token_key` and `limit_key` from the request; `max_limit` bounds the page and is also
// the default size. An invalid token or limit gives InvalidParameterException.
std::variant<PageRequest, AwsError> ReadPageRequest(const boost::json::object& input,
                                                    const char* token_key,
                                                    const char* limit_key, size_t max_limit,
                                                    size_t default_limit);

// Takes one page of `items` and sets `token_key` in `out` when more remain.
template <typename T, typename F>
void WritePage(const std::vector<T>& items, const PageRequest& page, boost::json::object& out,
               const char* items_key, const char* token_key, F&& to_json) {
  boost::json::array a;
  size_t end = std::min(items.size(), page.offset + page.size);
  for (size_t i = page.offset; i < end; ++i) a.push_back(to_json(items[i]));
  out[items_key] = std::move(a);
  if (end < items.size()) out[token_key] = EncodePageToken(end);
}

}  // namespace gantry::aws
