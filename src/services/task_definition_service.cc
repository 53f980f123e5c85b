#include "services/task_definition_service.h"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "common/json_util.h"
#include "model/region.h"
#include "model/tags.h"

namespace gantry::services {

namespace json = boost::json;

namespace {
constexpr const char* kFamilyKind = "taskdef-family";  // key <region>/<family>, value {"latest": N}
}  // namespace

std::string TaskDefinitionService::Key(const std::string& region, const std::string& family,
                                       int revision) {
  return model::RegionalKey(region, fmt::format("{}:{:09d}", family, revision));
}

Result<model::TaskDefinition> TaskDefinitionService::Register(const json::object& request,
                                                              const std::string& region_in) {
  GANTRY_ASSIGN_OR_RETURN(model::TaskDefinition td, model::ParseTaskDefinitionRequest(request));
  const model::Account acct = AccountFor(region_in);
  const std::string family_key = model::RegionalKey(acct.region, td.family);
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto fam, store_.Get(kFamilyKind, family_key));
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
    td.arn = model::TaskDefinitionArn(acct, td.family, td.revision);
    td.status = "ACTIVE";
    td.registered_at_ms = clock_.NowMs();
    auto r = store_.Txn(
        {store::Op::Put(kFamilyKind, family_key,
                        json::serialize(json::object{{"latest", td.revision}}), expected),
         store::Op::Put(kKind, Key(acct.region, td.family, td.revision), model::ToStoreJson(td),
                        store::kMustNotExist)});
    if (r.ok()) return td;
    if (r.error().code != ErrorCode::kConflict && r.error().code != ErrorCode::kAlreadyExists)
      return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "too many concurrent registrations of family {}",
                   td.family);
}

Result<model::TaskDefinition> TaskDefinitionService::Describe(const std::string& ref_text,
                                                              const std::string& region_in) {
  auto ref = model::ParseTaskDefinitionRef(ref_text);
  if (!ref)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid task definition '{}': expected family, family:revision or an ARN",
                     ref_text);
  const std::string region = AccountFor(ref->region.empty() ? region_in : ref->region).region;
  if (ref->revision) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(region, ref->family, *ref->revision)));
    if (!obj)
      return MakeError(ErrorCode::kNotFound, "Unable to describe task definition {}:{}: not found",
                       ref->family, *ref->revision);
    return model::TaskDefinitionFromStoreJson(obj->value);
  }
  store::ListOptions opts;
  opts.prefix = model::RegionalKey(region, ref->family + ":");
  GANTRY_ASSIGN_OR_RETURN(auto objs, store_.List(kKind, opts));
  for (auto it = objs.rbegin(); it != objs.rend(); ++it) {
    GANTRY_ASSIGN_OR_RETURN(auto td, model::TaskDefinitionFromStoreJson(it->value));
    if (td.status == "ACTIVE") return td;
  }
  return MakeError(ErrorCode::kNotFound,
                   "Unable to describe task definition {}: no ACTIVE revision", ref->family);
}

Result<std::vector<model::TaskDefinition>> TaskDefinitionService::List(
    const std::string& family_prefix, const std::string& status, const std::string& region) {
  if (!status.empty() && status != "ACTIVE" && status != "INACTIVE" && status != "ALL")
    return MakeError(ErrorCode::kInvalidArgument, "status must be ACTIVE, INACTIVE or ALL");
  store::ListOptions opts;
  opts.prefix = model::RegionalKey(AccountFor(region).region, family_prefix);
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
    const std::string& family_prefix, const std::string& status, const std::string& region) {
  GANTRY_ASSIGN_OR_RETURN(auto tds, List(family_prefix, status.empty() ? "ALL" : status, region));
  std::set<std::string> fams;
  for (const auto& td : tds) fams.insert(td.family);
  return std::vector<std::string>(fams.begin(), fams.end());
}

Result<model::TaskDefinition> TaskDefinitionService::Update(
    const std::string& ref_text, const std::string& region_in,
    const std::function<bool(model::TaskDefinition&)>& fn) {
  auto ref = model::ParseTaskDefinitionRef(ref_text);
  if (!ref || !ref->revision)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Invalid revision number. Number: {}: expected family:revision or an ARN",
                     ref_text);
  const std::string region = AccountFor(ref->region.empty() ? region_in : ref->region).region;
  for (int attempt = 0; attempt < 20; ++attempt) {
    GANTRY_ASSIGN_OR_RETURN(auto obj, store_.Get(kKind, Key(region, ref->family, *ref->revision)));
    if (!obj)
      return MakeError(ErrorCode::kNotFound, "Unable to describe task definition {}:{}: not found",
                       ref->family, *ref->revision);
    GANTRY_ASSIGN_OR_RETURN(auto td, model::TaskDefinitionFromStoreJson(obj->value));
    if (!fn(td)) return td;
    auto r = store_.Put(kKind, obj->key, model::ToStoreJson(td), obj->revision);
    if (r.ok()) return td;
    if (r.error().code != ErrorCode::kConflict) return std::move(r).error();
  }
  return MakeError(ErrorCode::kUnavailable, "concurrent updates to {}", ref_text);
}

Result<model::TaskDefinition> TaskDefinitionService::Deregister(const std::string& ref_text,
                                                                const std::string& region) {
  int64_t now = clock_.NowMs();
  return Update(ref_text, region, [&](model::TaskDefinition& td) {
    if (td.status == "INACTIVE") return false;
    td.status = "INACTIVE";
    td.deregistered_at_ms = now;
    return true;
  });
}

Result<model::TaskDefinition> TaskDefinitionService::Tag(const std::string& ref,
                                                         const std::string& region,
                                                         const std::vector<model::Tag>& add,
                                                         const std::vector<std::string>& remove) {
  bool too_many = false;
  auto r = Update(ref, region, [&](model::TaskDefinition& td) {
    too_many = !model::ApplyTagChanges(td.tags, add, remove);
    return !too_many;
  });
  if (r.ok() && too_many)
    return MakeError(ErrorCode::kInvalidArgument, "a resource can have at most {} tags",
                     model::kMaxTags);
  return r;
}

}  // namespace gantry::services
