#include "aws/botocore_model.h"

#include <zlib.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "common/file_util.h"

namespace gantry::aws {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

Result<std::string> ReadGzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return MakeError(ErrorCode::kInternal, "open {}: cannot read gzip file", path);
  std::string out;
  char buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int errnum = 0;
      std::string msg = gzerror(f, &errnum);
      gzclose(f);
      return MakeError(ErrorCode::kInternal, "read {}: {}", path, msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  return out;
}

std::string Str(const json::object& o, std::string_view key) {
  auto* p = o.if_contains(key);
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

std::optional<double> Num(const json::object& o, std::string_view key) {
  auto* p = o.if_contains(key);
  if (!p) return std::nullopt;
  if (p->is_int64()) return static_cast<double>(p->as_int64());
  if (p->is_uint64()) return static_cast<double>(p->as_uint64());
  if (p->is_double()) return p->as_double();
  return std::nullopt;
}

std::string FormatNum(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e18) return std::to_string(static_cast<int64_t>(d));
  return json::serialize(json::value(d));
}

// Coral renders the offending value in messages; keep it short.
std::string Render(const json::value& v) {
  std::string s = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  if (s.size() > 64) s = s.substr(0, 61) + "...";
  return s;
}

const char* JsonKind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return "Start of structure or map found where not expected";
    case json::kind::array: return "Start of list found where not expected";
    case json::kind::string: return "STRING_VALUE can not be converted to";
    case json::kind::bool_: return "BOOLEAN_VALUE can not be converted to";
    case json::kind::double_: return "DECIMAL_VALUE can not be converted to";
    default: return "NUMBER_VALUE can not be converted to";
  }
}

// Top-level members SDKs fill in on their own (idempotency tokens) that newer models added after
// the installed botocore; tolerated so a current SDK is not refused over a member it invented.
bool IsAutoFilledMember(std::string_view name) {
  return name == "clientToken" || name == "ClientToken";
}

class Validator {
 public:
  Validator(const json::object& shapes, const std::string& validation_type)
      : shapes_(shapes), validation_type_(validation_type) {}

  std::optional<AwsError> Run(const std::string& shape_name, const json::value& input) {
    Visit(shape_name, input, "", /*top=*/true);
    if (serialization_) return serialization_;
    if (unknown_) return unknown_;
    if (!violations_.empty()) {
      std::string msg = std::to_string(violations_.size()) +
                        (violations_.size() == 1 ? " validation error" : " validation errors") +
                        " detected: ";
      for (size_t i = 0; i < violations_.size(); ++i) {
        if (i) msg += "; ";
        msg += violations_[i];
      }
      return AwsError{400, validation_type_, msg};
    }
    return std::nullopt;
  }

 private:
  static constexpr size_t kMaxViolations = 10;

  void TypeError(const json::value& v, const std::string& path, const char* target) {
    if (serialization_) return;
    std::string m = JsonKind(v);
    if (!v.is_object() && !v.is_array()) m += std::string(" ") + target;
    if (!path.empty()) m += " at '" + path + "'";
    serialization_ = AwsError{400, "SerializationException", m};
  }
  void Violation(const json::value* v, const std::string& path, const std::string& constraint) {
    if (violations_.size() >= kMaxViolations) return;
    violations_.push_back("Value " + (v ? "'" + Render(*v) + "'" : std::string("null")) + " at '" +
                          path + "' failed to satisfy constraint: " + constraint);
  }
  void Length(const json::value& v, size_t len, const json::object& shape, const std::string& path) {
    if (auto mn = Num(shape, "min"); mn && static_cast<double>(len) < *mn) {
      Violation(&v, path, "Member must have length greater than or equal to " + FormatNum(*mn));
    }
    if (auto mx = Num(shape, "max"); mx && static_cast<double>(len) > *mx) {
      Violation(&v, path, "Member must have length less than or equal to " + FormatNum(*mx));
    }
  }
  void Range(const json::value& v, double d, const json::object& shape, const std::string& path) {
    if (auto mn = Num(shape, "min"); mn && d < *mn) {
      Violation(&v, path, "Member must have value greater than or equal to " + FormatNum(*mn));
    }
    if (auto mx = Num(shape, "max"); mx && d > *mx) {
      Violation(&v, path, "Member must have value less than or equal to " + FormatNum(*mx));
    }
  }

  void Visit(const std::string& shape_name, const json::value& v, const std::string& path,
             bool top = false) {
    if (serialization_ || unknown_) return;
    const json::value* sv = shapes_.if_contains(shape_name);
    if (!sv || !sv->is_object()) return;  // model gap: accept
    const json::object& shape = sv->as_object();
    const std::string type = Str(shape, "type");
    if (type == "structure") {
      if (!v.is_object()) return TypeError(v, path, "a structure");
      const json::value* mv = shape.if_contains("members");
      static const json::object kNoMembers;
      const json::object& members = mv && mv->is_object() ? mv->as_object() : kNoMembers;
      for (const auto& [k, val] : v.as_object()) {
        const json::value* m = members.if_contains(k);
        if (!m || !m->is_object()) {
          if (top && IsAutoFilledMember(k)) continue;
          std::string known;
          for (const auto& [mk, mval] : members) known += (known.empty() ? "" : ", ") + std::string(mk);
          unknown_ = AwsError{400, validation_type_,
                              "Unknown parameter in " + (path.empty() ? std::string("input") : path) +
                                  ": \"" + std::string(k) + "\", must be one of: " + known};
          return;
        }
        if (val.is_null()) continue;  // null is absent
        Visit(Str(m->as_object(), "shape"), val, path.empty() ? std::string(k) : path + "." + std::string(k));
        if (serialization_ || unknown_) return;
      }
      if (const json::value* req = shape.if_contains("required"); req && req->is_array()) {
        for (const auto& r : req->as_array()) {
          if (!r.is_string()) continue;
          const json::value* have = v.as_object().if_contains(r.as_string());
          if (!have || have->is_null()) {
            std::string p = path.empty() ? std::string(r.as_string()) : path + "." + std::string(r.as_string());
            Violation(nullptr, p, "Member must not be null");
          }
        }
      }
    } else if (type == "list") {
      if (!v.is_array()) return TypeError(v, path, "a list");
      const json::value* member = shape.if_contains("member");
      std::string elem = member && member->is_object() ? Str(member->as_object(), "shape") : "";
      const auto& arr = v.as_array();
      Length(v, arr.size(), shape, path);
      for (size_t i = 0; i < arr.size() && !serialization_ && !unknown_; ++i) {
        if (arr[i].is_null()) continue;
        Visit(elem, arr[i], path + "." + std::to_string(i + 1) + ".member");
      }
    } else if (type == "map") {
      if (!v.is_object()) return TypeError(v, path, "a map");
      auto shape_of = [&](const char* which) {
        const json::value* p = shape.if_contains(which);
        return p && p->is_object() ? Str(p->as_object(), "shape") : std::string();
      };
      std::string key_shape = shape_of("key"), value_shape = shape_of("value");
      Length(v, v.as_object().size(), shape, path);
      for (const auto& [k, val] : v.as_object()) {
        json::value key(k);
        Visit(key_shape, key, path + ".key");
        if (!val.is_null()) Visit(value_shape, val, path + "." + std::string(k));
        if (serialization_ || unknown_) return;
      }
    } else if (type == "string") {
      if (!v.is_string()) return TypeError(v, path, "a String");
      const auto& s = v.as_string();
      if (const json::value* en = shape.if_contains("enum"); en && en->is_array()) {
        bool ok = false;
        std::string set;
        for (const auto& e : en->as_array()) {
          if (!e.is_string()) continue;
          ok = ok || e.as_string() == s;
          set += (set.empty() ? "" : ", ") + std::string(e.as_string());
        }
        if (!ok) Violation(&v, path, "Member must satisfy enum value set: [" + set + "]");
      }
      // Lengths count characters, not UTF-8 bytes.
      size_t chars = static_cast<size_t>(std::count_if(
          s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
      Length(v, chars, shape, path);
    } else if (type == "integer" || type == "long") {
      const bool is_int = type == "integer";
      const char* target = is_int ? "an Integer" : "a Long";
      double d;
      if (v.is_int64()) {
        d = static_cast<double>(v.as_int64());
        if (is_int && (v.as_int64() > std::numeric_limits<int32_t>::max() ||
                       v.as_int64() < std::numeric_limits<int32_t>::min())) {
          return TypeError(v, path, target);
        }
      } else if (v.is_uint64()) {
        if (is_int || v.as_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return TypeError(v, path, target);
        }
        d = static_cast<double>(v.as_uint64());
      } else {
        return TypeError(v, path, target);
      }
      Range(v, d, shape, path);
    } else if (type == "double" || type == "float") {
      if (!v.is_number()) return TypeError(v, path, type == "double" ? "a Double" : "a Float");
      Range(v, v.to_number<double>(), shape, path);
    } else if (type == "boolean") {
      if (!v.is_bool()) return TypeError(v, path, "a Boolean");
    } else if (type == "timestamp") {
      if (!v.is_number()) return TypeError(v, path, "a Timestamp");
    } else if (type == "blob") {
      if (!v.is_string()) return TypeError(v, path, "a Blob");
      const auto& s = v.as_string();
      bool b64 = s.size() % 4 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
                 });
      if (!b64) {
        serialization_ = AwsError{400, "SerializationException",
                                  "Base64 encoded binary data expected at '" + path + "'"};
        return;
      }
      Length(v, s.size() / 4 * 3, shape, path);
    }
    // document and anything newer: accepted as is.
  }

  const json::object& shapes_;
  const std::string& validation_type_;
  std::optional<AwsError> serialization_;
  std::optional<AwsError> unknown_;
  std::vector<std::string> violations_;
};

}  // namespace

std::vector<std::string> DefaultModelRoots() {
  std::vector<std::string> roots;
  if (const char* env = std::getenv("GANTRY_BOTOCORE_DATA"); env && *env) {
    std::string_view s(env);
    size_t start = 0;
    while (start <= s.size()) {
      size_t p = s.find(':', start);
      if (p == std::string_view::npos) p = s.size();
      if (p > start) roots.emplace_back(s.substr(start, p - start));
      start = p + 1;
    }
  }
  roots.push_back("/usr/lib/python3/dist-packages/botocore/data");
  roots.push_back("/usr/lib/python3/dist-packages/awscli/botocore/data");
  return roots;
}

Result<std::shared_ptr<const ServiceModel>> ServiceModel::Load(const std::string& name,
                                                               const std::vector<std::string>& roots) {
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "bad botocore model name '{}'", name);
  }
  std::string tried;
  for (const auto& root : roots) {
    fs::path dir = fs::path(root) / name;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      tried += " " + dir.string();
      continue;
    }
    std::vector<fs::path> versions;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_directory(ec)) versions.push_back(e.path());
    }
    std::sort(versions.rbegin(), versions.rend());  // API versions are dates: newest first
    for (const auto& v : versions) {
      fs::path plain = v / "service-2.json", gz = v / "service-2.json.gz";
      Result<std::string> text = MakeError(ErrorCode::kNotFound, "");
      std::string source;
      if (fs::exists(plain, ec)) {
        source = plain.string();
        text = ReadFile(source);
      } else if (fs::exists(gz, ec)) {
        source = gz.string();
        text = ReadGzipFile(source);
      } else {
        continue;
      }
      if (!text.ok()) return text.error();
      return Parse(*text, source);
    }
    tried += " " + dir.string();
  }
  return MakeError(ErrorCode::kNotFound,
                   "botocore model '{}' not found (install python3-botocore; looked in{})", name,
                   tried);
}

Result<std::shared_ptr<const ServiceModel>> ServiceModel::Parse(std::string_view json_text,
                                                                std::string source) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "botocore model {}: not a JSON object", source);
  }
  const json::object& o = v.as_object();
  const json::value* meta = o.if_contains("metadata");
  const json::value* shapes = o.if_contains("shapes");
  const json::value* ops = o.if_contains("operations");
  if (!meta || !meta->is_object() || !shapes || !shapes->is_object() || !ops || !ops->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "botocore model {}: metadata, shapes or operations missing", source);
  }
  std::shared_ptr<ServiceModel> m(new ServiceModel());
  m->source_ = std::move(source);
  const json::object& md = meta->as_object();
  m->protocol_ = Str(md, "protocol");
  m->json_version_ = Str(md, "jsonVersion");
  if (m->json_version_.empty()) m->json_version_ = "1.0";
  m->target_prefix_ = Str(md, "targetPrefix");
  m->signing_name_ = Str(md, "signingName");
  if (m->signing_name_.empty()) m->signing_name_ = Str(md, "endpointPrefix");
  auto is_exception = [&](const char* n) {
    const json::value* s = shapes->as_object().if_contains(n);
    return s && s->is_object() && s->as_object().contains("exception");
  };
  m->validation_type_ = is_exception("ValidationException")          ? "ValidationException"
                        : is_exception("InvalidParameterException") ? "InvalidParameterException"
                                                                     : "ValidationException";
  m->model_ = std::move(v);
  return std::shared_ptr<const ServiceModel>(std::move(m));
}

bool ServiceModel::HasOperation(const std::string& operation) const {
  const json::value* ops = model_.as_object().if_contains("operations");
  return ops && ops->is_object() && ops->as_object().contains(operation);
}

std::optional<AwsError> ServiceModel::ValidateInput(const std::string& operation,
                                                    const json::value& input) const {
  const json::object& root = model_.as_object();
  const json::value* op = root.at("operations").as_object().if_contains(operation);
  if (!op || !op->is_object()) {
    return AwsError{400, "UnknownOperationException",
                    "Operation " + operation + " is not supported by this service."};
  }
  if (!input.is_object()) {
    return AwsError{400, "SerializationException",
                    "Start of structure or map expected: the request body must be a JSON object"};
  }
  const json::value* in = op->as_object().if_contains("input");
  if (!in || !in->is_object()) {
    if (input.as_object().empty()) return std::nullopt;
    return AwsError{400, validation_type_,
                    "Unknown parameter in input: \"" +
                        std::string(input.as_object().begin()->key()) +
                        "\", the operation takes no parameters"};
  }
  Validator val(root.at("shapes").as_object(), validation_type_);
  return val.Run(Str(in->as_object(), "shape"), input);
}

std::string ServiceModel::ErrorMessageKey(const std::string& error_type) const {
  const json::value* s = model_.as_object().at("shapes").as_object().if_contains(error_type);
  if (s && s->is_object()) {
    const json::value* m = s->as_object().if_contains("members");
    if (m && m->is_object() && m->as_object().contains("Message") &&
        !m->as_object().contains("message")) {
      return "Message";
    }
  }
  return "message";
}

}  // namespace gantry::aws
