// The CLI's commands as plain functions over parsed options (CLI11 stays in cli_main.cc).
// Each returns the process exit code, or an Error that CliMain prints as "gantry: <message>".
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/run_spec.h"
#include "cli/service_spec.h"
#include "common/result.h"

namespace gantry::cli {

enum class OutputFormat { kTable, kJson };

struct CliContext {
  ApiClient& api;
  OutputFormat output = OutputFormat::kTable;
};

// Prints `v` indented, with a trailing newline, to stdout.
void PrintJson(const boost::json::value& v);
// Prints "gantry: <message>" to stderr.
void PrintError(std::string_view message);

struct RunOptions {
  RunSpec spec;                       // environment is filled from env_args
  std::vector<std::string> env_args;  // raw -e values
  bool wait = false;
};
Result<int> RunCommand(CliContext& ctx, RunOptions options);

struct PsOptions {
  bool all = false;
  std::string family;
};
Result<int> PsCommand(CliContext& ctx, const PsOptions& options);

struct LogsOptions {
  std::string task;
  bool follow = false;
  std::string container;
  std::string since;
};
Result<int> LogsCommand(CliContext& ctx, const LogsOptions& options);

struct StopOptions {
  std::vector<std::string> tasks;
  std::string reason;
};
Result<int> StopCommand(CliContext& ctx, const StopOptions& options);
Result<int> InspectCommand(CliContext& ctx, const std::string& task);

struct ImageImportOptions {
  std::string path;
  std::string tag;
};
Result<int> ImageImportCommand(CliContext& ctx, const ImageImportOptions& options);
Result<int> ImageLsCommand(CliContext& ctx);
Result<int> ImageRmCommand(CliContext& ctx, const std::string& reference);

struct TaskdefLsOptions {
  std::string family_prefix;
  bool all = false;  // INACTIVE revisions too
};
Result<int> TaskdefRegisterCommand(CliContext& ctx, const std::string& file);
Result<int> TaskdefLsCommand(CliContext& ctx, const TaskdefLsOptions& options);
Result<int> TaskdefInspectCommand(CliContext& ctx, const std::string& reference);
Result<int> TaskdefRmCommand(CliContext& ctx, const std::string& reference);

// `gantry service create|ls|inspect|scale|update|rm` (service_commands.cc).
struct ServiceCreateOptions {
  ServiceCreateArgs args;             // args.spec.environment is filled from env_args
  std::vector<std::string> env_args;  // raw -e values
};
Result<int> ServiceCreateCommand(CliContext& ctx, ServiceCreateOptions options);
Result<int> ServiceLsCommand(CliContext& ctx);
Result<int> ServiceInspectCommand(CliContext& ctx, const std::string& name);
Result<int> ServiceScaleCommand(CliContext& ctx, const std::string& name, int desired_count);
Result<int> ServiceUpdateCommand(CliContext& ctx, const ServiceUpdateArgs& args);
Result<int> ServiceRmCommand(CliContext& ctx, const std::string& name, bool force);

struct EventsOptions {
  std::string service;
  bool follow = false;
};
Result<int> EventsCommand(CliContext& ctx, const EventsOptions& options);

// `gantry deploy` (deploy_command.cc): new revision with a new image, update, follow the rollout.
struct DeployOptions {
  std::string service;
  std::string image;
  std::string container;     // empty: the first container
  std::string wait_timeout;  // duration; empty: the default
};
Result<int> DeployCommand(CliContext& ctx, const DeployOptions& options);

}  // namespace gantry::cli
