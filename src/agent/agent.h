// Agent: runs the tasks the control plane assigns to this node. Desired vs actual per task:
// launches (image -> rootfs -> netns -> runtime), watches containers (exit codes, OOM), ships
// their log lines, stops on request, tears everything down, and reports each step. Every task it
// touches has a record on disk first, so a restarted agent re-adopts running containers and
// cleans up half-done work.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/control_plane.h"
#include "agent/health_checker.h"
#include "common/clock.h"
#include "image/image_store.h"
#include "network/task_network_manager.h"
#include "runtime/runtime.h"

namespace gantry::agent {

// A task's network: its namespace and address (awsvpc: own netns + IP on the node's bridge via
// CNI; host; none). Implemented over network::TaskNetworkManager; a seam for tests and for other
// network back ends.
class TaskNetwork {
 public:
  virtual ~TaskNetwork() = default;
  virtual Result<network::Attachment> Setup(const std::string& task_id, const std::string& mode,
                                            const std::vector<network::PortMapping>& ports,
                                            const std::string& hostname) = 0;
  virtual Result<void> Teardown(const std::string& task_id) = 0;
  // After a restart: releases every attachment whose task is not in `live`.
  virtual Result<void> GarbageCollect(const std::set<std::string>& live) = 0;
};
std::unique_ptr<TaskNetwork> MakeCniTaskNetwork(network::TaskNetworkManager& manager);

struct AgentOptions {
  std::string node_id;
  std::string state_dir;  // e.g. /var/lib/gantry/agent: task rootfs (overlay upper) and logs
  // Transient state, lost on reboot with the containers it describes: task records, runtime task
  // dirs (bundles, shim state), /etc/hosts etc. Best on tmpfs: rewritten several times per launch.
  // "" = state_dir.
  std::string run_dir;
  int workers = 16;       // parallel launches/teardowns
  std::chrono::milliseconds poll{100};  // loop wake-up; a task with file events is polled then
  // A running task's status and logs are read when its shim writes a status file or a container
  // writes a log line (inotify), and at least this often anyway (a shim killed outright writes
  // nothing). Without inotify every running task is polled every `poll`.
  std::chrono::milliseconds idle_poll{2000};
};

class Agent {
 public:
  Agent(AgentOptions opts, ControlPlane& cp, image::ImageStore& images, runtime::Runtime& runtime,
        TaskNetwork& network, const Clock& clock);
  ~Agent();

  // Registers the node, re-adopts tasks recorded on disk, starts the loop and workers.
  Result<void> Start();
  // Stops the agent's threads. Containers keep running; a new agent adopts them.
  void Stop();

 private:
  struct LocalTask;
  void Loop();
  void WorkerLoop();
  void Enqueue(std::function<void()> job);
  void OnAssignment(const model::Task& t);
  void Launch(const std::string& id);
  void Teardown(const std::string& id);
  void Poll(LocalTask& lt);
  void IngestLogs(LocalTask& lt, const runtime::TaskStatus& st);
  // Starts health probes for the task's containers that define a healthCheck.
  void WatchHealth(LocalTask& lt, const model::TaskDefinition& td, int64_t started_ms);
  // Reports health transitions; an unhealthy essential container stops its task.
  void HandleHealthChanges();
  Result<void> SaveRecord(const LocalTask& lt);
  void AdoptFromDisk();
  void ReportFailedLaunch(LocalTask& lt, const std::string& reason);
  std::string RecordPath(const std::string& id) const;
  std::string TaskDir(const std::string& id) const;
  std::string RootfsDir(const std::string& id, const std::string& container) const;
  std::string NetFilesDir(const std::string& id) const;
  std::string LogDir(const std::string& id) const;
  const std::string& RunDir() const;

  AgentOptions opts_;
  ControlPlane& cp_;
  image::ImageStore& images_;
  runtime::Runtime& runtime_;
  TaskNetwork& network_;
  const Clock& clock_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<LocalTask>> tasks_;
  std::set<std::string> finished_;  // ids torn down, to ignore late assignments

  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<std::function<void()>> queue_;

  std::unique_ptr<HealthChecker> health_;

  // inotify on the running tasks' status and log dirs: which task a watch belongs to (mu_).
  void WatchTaskFiles(LocalTask& lt);
  void UnwatchTaskFiles(LocalTask& lt);
  void DrainFileEvents();
  int inotify_fd_ = -1;
  std::map<int, std::string> watch_owner_;

  std::atomic<bool> stop_{false};
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace gantry::agent
