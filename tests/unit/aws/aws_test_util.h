// Helpers for the AWS protocol tests: requests as the HTTP server would hand them over.
#pragma once

#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "api/http_types.h"
#include "aws/sigv4.h"

namespace gantry::aws::testing {

inline api::HttpRequest MakeRequest(const std::string& method, const std::string& target,
                                    const std::map<std::string, std::string>& headers,
                                    const std::string& body) {
  api::HttpRequest r;
  r.method = method;
  r.target = target;
  size_t q = target.find('?');
  r.path = PercentDecode(target.substr(0, q));
  if (q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    size_t start = 0;
    while (start <= qs.size()) {
      size_t amp = qs.find('&', start);
      if (amp == std::string::npos) amp = qs.size();
      std::string kv = qs.substr(start, amp - start);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        r.query.emplace(PercentDecode(kv.substr(0, eq)),
                        eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1)));
      }
      start = amp + 1;
    }
  }
  for (const auto& [k, v] : headers) {
    std::string lk = k;
    for (char& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[lk] = v;
  }
  r.body = body;
  return r;
}

inline boost::json::value ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

}  // namespace gantry::aws::testing
