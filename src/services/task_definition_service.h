// TaskDefinitionService: register/describe/list/deregister task definitions on the Store.
// Shared by the native REST API and the AWS ECS adapter: one behaviour, several dialects.
// Families and revisions are per region (as on AWS): every call takes the caller's region; ""
// means the server's default region, and an ARN's own region wins over the argument.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/arn.h"
#include "model/task_definition.h"
#include "store/store.h"

namespace gantry::services {

class TaskDefinitionService {
 public:
  TaskDefinitionService(store::Store& store, const Clock& clock, model::Account account)
      : store_(store), clock_(clock), account_(std::move(account)) {}

  // Validates the request and stores it as the family's next revision.
  Result<model::TaskDefinition> Register(const boost::json::object& request,
                                         const std::string& region = {});
  // "family" (latest ACTIVE), "family:rev" or an ARN.
  Result<model::TaskDefinition> Describe(const std::string& ref, const std::string& region = {});
  // By family, newest revision first. status: ACTIVE, INACTIVE or ALL.
  Result<std::vector<model::TaskDefinition>> List(const std::string& family_prefix,
                                                  const std::string& status,
                                                  const std::string& region = {});
  Result<std::vector<std::string>> ListFamilies(const std::string& family_prefix,
                                                const std::string& status,
                                                const std::string& region = {});
  Result<model::TaskDefinition> Deregister(const std::string& ref, const std::string& region = {});
  // Adds (replacing same keys) and removes tags of one revision.
  Result<model::TaskDefinition> Tag(const std::string& ref, const std::string& region,
                                    const std::vector<model::Tag>& add,
                                    const std::vector<std::string>& remove_keys);

  // The server's account in its default region.
  const model::Account& account() const { return account_; }
  // The account as seen from `region` ("" = the default region).
  model::Account AccountFor(const std::string& region) const {
    return {region.empty() ? account_.region : region, account_.account_id};
  }

  static constexpr const char* kKind = "taskdef";
  // "<region>/<family>:<revision, 9 digits>"
  static std::string Key(const std::string& region, const std::string& family, int revision);

 private:
  // Read-modify-write of one revision, retried on conflicts.
  Result<model::TaskDefinition> Update(const std::string& ref, const std::string& region,
                                       const std::function<bool(model::TaskDefinition&)>& fn);

  store::Store& store_;
  const Clock& clock_;
  model::Account account_;
};

}  // namespace gantry::services
