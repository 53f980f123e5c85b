#include "services/task_definition_service.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "common/json_util.h"

namespace gantry::services {

namespace json = boost::json;

namespace {
constexpr const char* kKind = "taskdef";
constexpr const char* kFamilyKind = "taskdef-family";  // value: {"latest": N}
}  // namespace

std::string TaskDefinitionService::Key(const std::string& family, int revision) {
  return fmt::format("{}:{:09d}", family, revision);
}

Result<model::TaskDefinition> TaskDefinitionService::Register(const json::object& request) {
  GANTRY_ASSIGN_OR_RETURN(model::TaskDefinition td, model::ParseTaskDefinitionRequest(request));
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto fam, store_.Get(kFamilyKind, td.family));
    int latest = 0;
    int64_t expected = store::kMustNotExist;
    if (fam) {
      GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(fam->value));
      if (v.is_object()) {
        GANTRY_ASSIGN_OR_RETURN(auto n, GetInt(v.as_object(), "latest", ""));
        latest = static_cast<int>(n.value_or(0));
      }
      expected = fam->revision;
    }
    td.revision = latest + 1;
    td.arn = model::TaskDefinitionArn(account_, td.family, td.revision);
    td.status = "ACTIVE";
    td.registered_at_ms = clock_.NowMs();
    auto r = store_.Txn(
        {store::Op::Put(kFamilyKind, td.family,
                        json::serialize(json::object{{"latest", td.revision}}), expected),
         store::Op::Put(kKind, Key(td.family, td.revision), model::ToStoreJson(td),
                        store::kMustNotExist)});
    if (r.ok()) return td;
    if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kAlreadyExists)
      return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "too many concurrent registrations of family {}",
                   td.family);
}

Result<model::TaskDefinition> TaskDefinitionService::Describe(const std::string& ref_text) {
  auto ref = model::ParseTaskDefinitionRef(ref_text);
  if (!ref)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid task definition '{}': expected family, family:revision or an ARN",
                     ref_text);
  if (ref->revision) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(ref->family, *ref->revision)));
    if (!obj)
      return MakeError(ErrorCode::kNotFound, "Unable to describe task definition {}:{}: not found",
                       ref->family, *ref->revision);
    return model::TaskDefinitionFromStoreJson(obj->value);
  }
  store::ListOptions opts;
  opts.prefix = ref->family + ":";
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind, opts));
  for (auto it = objs.rbegin(); it != objs.rend(); ++it) {
    GANTRY_ASSIGN_OR_RETURN(auto td, model::TaskDefinitionFromStoreJson(it->value));
    if (td.status == "ACTIVE") return td;
  }
  return MakeError(ErrorCode::kNotFound,
                   "Unable to describe task definition {}: no ACTIVE revision", ref->family);
}

Result<std::vector<model::TaskDefinition>> TaskDefinitionService::List(
    const std::string& family_prefix, const std::string& status) {
  if (!status.empty() && status != "ACTIVE" && status != "INACTIVE" && status != "ALL")
    return MakeError(ErrorCode::kInvalidArgument, "status must be ACTIVE, INACTIVE or ALL");
  store::ListOptions opts;
  opts.prefix = family_prefix;
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind, opts));
  std::vector<model::TaskDefinition> out;
  for (const auto& o : objs) {
    GANTRY_ASSIGN_OR_RETURN(auto td, model::TaskDefinitionFromStoreJson(o.value));
    std::string want = status.empty() ? "ACTIVE" : status;
    if (want != "ALL" && td.status != want) continue;
    out.push_back(std::move(td));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.family != b.family) return a.family < b.family;
    return a.revision > b.revision;
  });
  return out;
}

Result<std::vector<std::string>> TaskDefinitionService::ListFamilies(
    const std::string& family_prefix, const std::string& status) {
  GANTRY_ASSIGN_OR_RETURN(auto tds, List(family_prefix, status.empty() ? "ALL" : status));
  std::set<std::string> fams;
  for (const auto& td : tds) fams.insert(td.family);
  return std::vector<std::string>(fams.begin(), fams.end());
}

Result<model::TaskDefinition> TaskDefinitionService::Deregister(const std::string& ref_text) {
  auto ref = model::ParseTaskDefinitionRef(ref_text);
  if (!ref || !ref->revision)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Deregister needs a revision: family:revision or an ARN (got '{}')", ref_text);
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(ref->family, *ref->revision)));
    if (!obj)
      return MakeError(ErrorCode::kNotFound, "task definition {}:{} not found", ref->family,
                       *ref->revision);
    GANTRY_ASSIGN_OR_RETURN(auto td, model::TaskDefinitionFromStoreJson(obj->value));
    if (td.status == "INACTIVE") return td;
    td.status = "INACTIVE";
    td.deregistered_at_ms = clock_.NowMs();
    auto r = store_.Put(kKind, obj->key, model::ToStoreJson(td), obj->revision);
    if (r.ok()) return td;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "concurrent updates to {}", ref_text);
}

}  // namespace gantry::services
