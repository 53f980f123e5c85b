// The service reconciler: a pure function from (service, its tasks, now) to the actions that move
// the service toward desiredCount of its PRIMARY deployment — start, drain and stop tasks, roll
// deployments forward (COMPLETED), trip the circuit breaker (FAILED, rollback) — plus the service
// record as it should be stored afterwards (counts, deployments, backoff state) and the events.
// No I/O, no clock, no randomness: the ServiceController applies the result.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/service.h"
#include "model/task.h"

namespace gantry::controllers {

struct ReconcilePolicy {
  // A RUNNING task of a definition without health checks counts as healthy (may replace an old
  // task, completes a deployment) only after running this long. Keeps a task that crashes right
  // after it starts from displacing a good one. With health checks, HEALTHY is required instead.
  int64_t min_running_ms = 1000;
  // Launch backoff after consecutive task failures: 0 for the first, then base * 2^(n-2), capped.
  int64_t backoff_base_ms = 1000;
  int64_t backoff_max_ms = 5 * 60 * 1000;
  // A task RUNNING this long after the last failure resets the failure streak.
  int64_t stable_reset_ms = 10'000;
  // Time between taking a task out of service (draining) and stopping it: the load balancer's
  // deregistration delay once there is one. 0: drain and stop in the same pass.
  int64_t drain_delay_ms = 0;
};

struct ReconcileInput {
  model::Service service;
  std::vector<model::Task> tasks;  // every task of the service (group service:<name>), any status
  // Task definition ARN -> whether its containers define a healthCheck (then a task counts as
  // healthy only once its healthStatus is HEALTHY). Missing: no health check.
  std::map<std::string, bool> health_checked;
  int64_t now_ms = 0;
  ReconcilePolicy policy;
};

struct StartAction {
  std::string deployment_id;
  int count = 0;
};

struct StopAction {
  std::string task_id;
  std::string reason;  // stoppedReason
};

struct ReconcileResult {
  model::Service service;        // what to store (events are not yet added: see `events`)
  bool service_changed = false;  // `service` differs from the input or there are events
  std::vector<std::string> events;       // messages, oldest first, to add with ids and now
  std::vector<std::string> drain;        // task ids to mark draining, before any stop
  std::vector<StopAction> stops;         // stopCode ServiceSchedulerInitiated
  std::vector<StartAction> starts;       // at most one, for the PRIMARY deployment
  int64_t wake_at_ms = 0;  // reconcile again at this time even without changes (0: no need)
};

ReconcileResult Reconcile(const ReconcileInput& in);

// ECS: the circuit breaker fails a deployment after 0.5 x desiredCount failed tasks (rounded
// up), at least 3 and at most 200.
int CircuitBreakerThreshold(int desired_count);
// Delay before the next launch after `consecutive_failures` failed tasks.
int64_t BackoffDelayMs(int consecutive_failures, const ReconcilePolicy& p);

// ECS event wording.
std::string StartedTasksEvent(const std::string& service, const std::vector<std::string>& ids);
std::string StoppedTasksEvent(const std::string& service, const std::vector<std::string>& ids);
std::string SteadyStateEvent(const std::string& service);
std::string UnableToStartEvent(const std::string& service, const std::string& why);

}  // namespace gantry::controllers
