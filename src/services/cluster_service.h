// ClusterService: ECS clusters per region on the Store. `default` exists in every region until it
// is deleted; tasks and services may only start in an ACTIVE cluster.
#pragma once

#include <boost/json/array.hpp>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/arn.h"
#include "model/cluster.h"
#include "store/store.h"

namespace gantry::services {

class ClusterService {
 public:
  // `account`: the server's account and default region (used when a call passes region "").
  ClusterService(store::Store& store, const Clock& clock, model::Account account)
      : store_(store), clock_(clock), account_(std::move(account)) {}

  // Idempotent, as ECS: an existing ACTIVE cluster is returned unchanged; an INACTIVE one is
  // reactivated with the new tags and settings.
  Result<model::Cluster> Create(const std::string& region, const std::string& name,
                                const std::vector<model::Tag>& tags,
                                const boost::json::array& settings);
  // Name or ARN ("" = default). INACTIVE clusters are returned too; kNotFound when unknown.
  Result<model::Cluster> Describe(const std::string& region, const std::string& name_or_arn);
  // ACTIVE clusters, by name.
  Result<std::vector<model::Cluster>> List(const std::string& region);
  Result<model::ClusterCounts> Counts(const std::string& region, const std::string& name);
  // Marks the cluster INACTIVE. kFailedPrecondition (ECS's messages) while tasks or services are
  // active in it.
  Result<model::Cluster> Delete(const std::string& region, const std::string& name_or_arn);
  Result<model::Cluster> Tag(const std::string& region, const std::string& name_or_arn,
                             const std::vector<model::Tag>& add,
                             const std::vector<std::string>& remove_keys);
  // The cluster tasks/services are about to be started in: Ok when ACTIVE; kNotFound naming it
  // otherwise.
  Result<model::Cluster> RequireActive(const std::string& region, const std::string& name_or_arn);

  static constexpr const char* kKind = "cluster";
  static constexpr const char* kTasksBlockDelete = "The Cluster cannot be deleted while Tasks are active.";
  static constexpr const char* kServicesBlockDelete =
      "The Cluster cannot be deleted while Services are active.";

 private:
  std::string Region(const std::string& region) const {
    return region.empty() ? account_.region : region;
  }
  model::Cluster Implicit(const std::string& region, const std::string& name) const;

  store::Store& store_;
  const Clock& clock_;
  model::Account account_;
};

}  // namespace gantry::services
