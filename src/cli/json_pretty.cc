#include "cli/json_pretty.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

namespace gantry::cli {

namespace json = boost::json;

namespace {

void Write(const json::value& v, int depth, std::string& out) {
  auto indent = [&](int d) { out.append(static_cast<size_t>(d) * 2, ' '); };
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    size_t i = 0;
    for (const auto& kv : o) {
      indent(depth + 1);
      out += json::serialize(json::string(kv.key()));
      out += ": ";
      Write(kv.value(), depth + 1, out);
      if (++i < o.size()) out += ',';
      out += '\n';
    }
    indent(depth);
    out += '}';
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      indent(depth + 1);
      Write(a[i], depth + 1, out);
      if (i + 1 < a.size()) out += ',';
      out += '\n';
    }
    indent(depth);
    out += ']';
  } else if (v.is_double()) {
    // Boost.JSON writes doubles as "1.764330000123E9"; timestamps read better as 1764330000.123.
    out += fmt::format("{}", v.as_double());
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(const json::value& v) {
  std::string out;
  Write(v, 0, out);
  return out;
}

}  // namespace gantry::cli
