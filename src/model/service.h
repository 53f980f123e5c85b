// Service: an ECS service (keep desiredCount copies of a task definition running), its
// deployments (PRIMARY/ACTIVE/INACTIVE with rolloutState) and events, their validation and JSON.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/arn.h"
#include "model/task_definition.h"

namespace gantry::model {

namespace service_status {
inline constexpr const char* kActive = "ACTIVE";
inline constexpr const char* kDraining = "DRAINING";
inline constexpr const char* kInactive = "INACTIVE";
}  // namespace service_status

namespace deployment_status {
inline constexpr const char* kPrimary = "PRIMARY";
inline constexpr const char* kActive = "ACTIVE";
inline constexpr const char* kInactive = "INACTIVE";
}  // namespace deployment_status

namespace rollout_state {
inline constexpr const char* kInProgress = "IN_PROGRESS";
inline constexpr const char* kCompleted = "COMPLETED";
inline constexpr const char* kFailed = "FAILED";
}  // namespace rollout_state

inline constexpr size_t kMaxServiceEvents = 100;
inline constexpr size_t kMaxInactiveDeployments = 5;

struct CircuitBreaker {
  bool enable = false;
  bool rollback = false;
};

struct DeploymentConfiguration {
  int minimum_healthy_percent = 100;
  int maximum_percent = 200;
  CircuitBreaker circuit_breaker;
};

struct Deployment {
  std::string id;  // "ecs-svc/<19 digits>"
  std::string status = deployment_status::kPrimary;
  std::string task_definition;  // ARN
  int desired_count = 0;
  int pending_count = 0;
  int running_count = 0;
  int failed_tasks = 0;
  std::string rollout_state = rollout_state::kInProgress;
  std::string rollout_state_reason;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct ServiceEvent {
  std::string id;
  int64_t created_at_ms = 0;
  std::string message;
};

// Bookkeeping of the service controller, persisted with the service so a restart resumes it.
// Not part of the API shape.
struct SchedulerState {
  int consecutive_failures = 0;           // tasks that failed in a row (launch backoff)
  int64_t last_failure_at_ms = 0;
  int64_t next_launch_at_ms = 0;          // no new task starts before this (backoff)
  std::vector<std::string> counted_failures;  // stopped task ids already counted as failures
  bool steady = false;                    // "has reached a steady state" recorded
};

struct Service {
  std::string name;
  std::string arn;
  std::string cluster = "default";
  std::string cluster_arn;
  std::string task_definition;  // ARN of the PRIMARY deployment's definition
  int desired_count = 0;
  int running_count = 0;
  int pending_count = 0;
  std::string status = service_status::kActive;
  std::string launch_type = "FARGATE";
  boost::json::object network_configuration;  // kept verbatim (awsvpcConfiguration, ...)
  DeploymentConfiguration deployment_configuration;
  int health_check_grace_period_s = 0;
  std::vector<Deployment> deployments;  // PRIMARY first
  std::vector<ServiceEvent> events;     // newest first, at most kMaxServiceEvents
  std::vector<Tag> tags;
  int64_t created_at_ms = 0;
  int64_t generation = 1;  // bumped on every client-initiated change
  SchedulerState scheduler;

  Deployment* Primary();
  const Deployment* Primary() const;
  Deployment* FindDeployment(const std::string& id);
  // Prepends an event and caps the list.
  void AddEvent(ServiceEvent e);
};

std::string ServiceArn(const Account& a, const std::string& cluster, const std::string& name);
// "ecs-svc/" + 19 digits from `random_digits` (callers pass randomness; the model stays pure).
std::string DeploymentId(const std::string& random_digits);
// Group of the tasks a service starts ("service:<name>", as ECS).
std::string ServiceGroup(const std::string& name);

// What a client may set: CreateService and UpdateService bodies, parsed and validated.
struct CreateServiceRequest {
  std::string name;
  std::string cluster = "default";
  std::string task_definition;  // family[:rev] or ARN, resolved by the service layer
  int desired_count = 0;
  std::string launch_type = "FARGATE";
  boost::json::object network_configuration;
  DeploymentConfiguration deployment_configuration;
  int health_check_grace_period_s = 0;
  std::vector<Tag> tags;
};
Result<CreateServiceRequest> ParseCreateServiceRequest(const boost::json::object& body);

struct UpdateServiceRequest {
  std::optional<std::string> task_definition;
  std::optional<int> desired_count;
  bool force_new_deployment = false;
  // Merged over the service's current configuration (absent fields keep their values).
  std::optional<boost::json::object> deployment_configuration;
  std::optional<int> health_check_grace_period_s;
  std::optional<boost::json::object> network_configuration;
};
Result<UpdateServiceRequest> ParseUpdateServiceRequest(const boost::json::object& body);

// Parses a deploymentConfiguration object over `base` (absent fields keep base's values) and
// validates the result.
Result<DeploymentConfiguration> ParseDeploymentConfiguration(const boost::json::object& o,
                                                             DeploymentConfiguration base);
Result<void> ValidateDeploymentConfiguration(const DeploymentConfiguration& c);

boost::json::object ToApiJson(const Service& s);
boost::json::object ToApiJson(const Deployment& d);
boost::json::object ToApiJson(const ServiceEvent& e);
std::string ToStoreJson(const Service& s);
Result<Service> ServiceFromStoreJson(const std::string& text);

}  // namespace gantry::model
