// Command-line parsing (CLI11) and dispatch; the only translation unit that includes CLI11.
#include "cli/cli_main.h"


#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <limits>

#include "cli/commands.h"
#include "cli/interrupt.h"

namespace gantry::cli {

namespace {

constexpr const char* kDefaultEndpoint = "http://127.0.0.1:7480";
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

using Action = std::function<Result<int>(CliContext&)>;

// CLI11's message, except that a missing or unknown subcommand is named ("unknown command 'frob'
// for 'gantry image'") rather than reported as "A subcommand is required".
std::string UsageMessage(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* deepest = &app;
  std::string path = "gantry";
  while (!deepest->get_subcommands().empty()) {
    deepest = deepest->get_subcommands().front();
    path += " " + deepest->get_name();
  }
  std::string message = OneLine(e.what());
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
      message.find("subcommand") != std::string::npos) {
    std::vector<std::string> rest = app.remaining(true);
    if (!rest.empty() && !rest.front().empty() && rest.front()[0] == '-') {
      message = fmt::format("unknown flag '{}' for '{}'", rest.front(), path);
    } else if (!rest.empty()) {
      message = fmt::format("unknown command '{}' for '{}'", rest.front(), path);
    } else {
      std::string names;
      for (const CLI::App* sub : deepest->get_subcommands({})) {
        if (!names.empty()) names += ", ";
        names += sub->get_name();
      }
      message = fmt::format("'{}' needs a command: {}", path, names);
    }
  }
  return fmt::format("{} (see '{} --help')", message, path);
}

int Main(int argc, char** argv) {
  CLI::App app{"gantry: run containers on a self-hosted, ECS/Fargate-compatible platform",
               "gantry"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the subcommand ("gantry ps -o json")

  std::string endpoint;
  std::string output = "table";
  app.add_option("--endpoint", endpoint,
                 "API endpoint (default: $GANTRY_ENDPOINT, else http://127.0.0.1:7480)");
  app.add_option("-o,--output", output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}));

  Action action;
  // Counts and seconds: "Value -1 not in range 0 to 2147483647".
  const CLI::Range non_negative(0, std::numeric_limits<int>::max());

  // run
  RunOptions run;
  bool detach = false;
  auto* run_cmd = app.add_subcommand("run", "Run a container from an image as a task");
  run_cmd->add_option("-e,--env", run.env_args, "Set an environment variable (K=V, or K to copy)")
      ->allow_extra_args(false);
  auto* cpu_opt = run_cmd->add_option("--cpu", run.spec.cpu.emplace(), "CPU units (1024 = 1 vCPU)")
                      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  auto* mem_opt = run_cmd->add_option("--memory", run.spec.memory.emplace(), "Memory in MiB")
                      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  run_cmd->add_option("--name", run.spec.container_name, "Container name (default: main)");
  run_cmd->add_option("--started-by", run.spec.started_by, "Value for the task's startedBy");
  auto* wait_opt = run_cmd->add_flag(
      "--wait", run.wait, "Follow the task: stream its logs, exit with the container's exit code");
  run_cmd->add_flag("-d,--detach", detach, "Print the task id and return (the default)")
      ->excludes(wait_opt);
  run_cmd->add_option("image", run.spec.image, "Image reference, e.g. busybox:latest")->required();
  run_cmd->add_option("command", run.spec.command, "Command and arguments (after --)");
  run_cmd->positionals_at_end();
  run_cmd->callback([&] {
    if (cpu_opt->count() == 0) run.spec.cpu.reset();
    if (mem_opt->count() == 0) run.spec.memory.reset();
    action = [&](CliContext& ctx) { return RunCommand(ctx, std::move(run)); };
  });

  // ps
  PsOptions ps;
  auto* ps_cmd = app.add_subcommand("ps", "List tasks (running ones unless -a)");
  ps_cmd->add_flag("-a,--all", ps.all, "Include stopped tasks");
  ps_cmd->add_option("--family", ps.family, "Only tasks of this task definition family");
  ps_cmd->callback([&] { action = [&](CliContext& ctx) { return PsCommand(ctx, ps); }; });

  // logs
  LogsOptions logs;
  auto* logs_cmd = app.add_subcommand("logs", "Print a task's logs");
  logs_cmd->add_flag("-f,--follow", logs.follow, "Follow until the task stops");
  logs_cmd->add_option("--container", logs.container, "Only this container's lines");
  logs_cmd->add_option("--since", logs.since, "Only lines newer than this (e.g. 10m, 1h30m)");
  logs_cmd->add_option("task", logs.task, "Task id, unique id prefix or ARN")->required();
  logs_cmd->callback([&] { action = [&](CliContext& ctx) { return LogsCommand(ctx, logs); }; });

  // stop
  StopOptions stop;
  auto* stop_cmd = app.add_subcommand("stop", "Stop tasks");
  stop_cmd->add_option("--reason", stop.reason, "Reason recorded as stoppedReason");
  stop_cmd->add_option("tasks", stop.tasks, "Task ids, unique id prefixes or ARNs")->required();
  stop_cmd->callback([&] { action = [&](CliContext& ctx) { return StopCommand(ctx, stop); }; });

  // inspect
  std::string inspect_ref;
  auto* inspect_cmd = app.add_subcommand("inspect", "Show a task as JSON");
  inspect_cmd->add_option("task", inspect_ref, "Task id, unique id prefix or ARN")->required();
  inspect_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return InspectCommand(ctx, inspect_ref); }; });

  // image
  auto* image_cmd = app.add_subcommand("image", "Manage images in the server's image store");
  image_cmd->require_subcommand(1);
  ImageImportOptions import;
  auto* import_cmd = image_cmd->add_subcommand(
      "import", "Import an OCI layout directory, OCI archive or docker-archive tar");
  import_cmd->add_option("path", import.path, "Path (read by the server; made absolute here)")
      ->required();
  import_cmd->add_option("--tag", import.tag, "Reference to give the image (NAME:TAG)");
  import_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return ImageImportCommand(ctx, import); }; });
  auto* image_ls_cmd = image_cmd->add_subcommand("ls", "List images");
  image_ls_cmd->callback([&] { action = [](CliContext& ctx) { return ImageLsCommand(ctx); }; });
  std::string image_ref;
  auto* image_rm_cmd = image_cmd->add_subcommand("rm", "Remove an image");
  image_rm_cmd->add_option("reference", image_ref, "Image reference")->required();
  image_rm_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return ImageRmCommand(ctx, image_ref); }; });

  // taskdef
  auto* taskdef_cmd = app.add_subcommand("taskdef", "Manage task definitions");
  taskdef_cmd->require_subcommand(1);
  std::string taskdef_file;
  auto* register_cmd =
      taskdef_cmd->add_subcommand("register", "Register a task definition from a JSON file");
  register_cmd->add_option("-f,--file", taskdef_file, "ECS task definition JSON (- for stdin)")
      ->required();
  register_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return TaskdefRegisterCommand(ctx, taskdef_file); }; });
  TaskdefLsOptions taskdef_ls;
  auto* taskdef_ls_cmd = taskdef_cmd->add_subcommand("ls", "List task definitions");
  taskdef_ls_cmd->add_option("--family-prefix", taskdef_ls.family_prefix, "Filter by family");
  taskdef_ls_cmd->add_flag("-a,--all", taskdef_ls.all, "Include INACTIVE revisions");
  taskdef_ls_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return TaskdefLsCommand(ctx, taskdef_ls); }; });
  std::string taskdef_ref;
  auto* taskdef_inspect_cmd =
      taskdef_cmd->add_subcommand("inspect", "Show a task definition as JSON");
  taskdef_inspect_cmd->add_option("reference", taskdef_ref, "FAMILY[:REV] or ARN")->required();
  taskdef_inspect_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return TaskdefInspectCommand(ctx, taskdef_ref); }; });
  auto* taskdef_rm_cmd = taskdef_cmd->add_subcommand("rm", "Deregister a task definition revision");
  taskdef_rm_cmd->add_option("reference", taskdef_ref, "FAMILY:REV or ARN")->required();
  taskdef_rm_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return TaskdefRmCommand(ctx, taskdef_ref); }; });

  // service
  auto* service_cmd =
      app.add_subcommand("service", "Manage services (keep N copies of a task definition running)");
  service_cmd->require_subcommand(1);
  ServiceCreateOptions svc_create;
  ServiceCreateArgs& sc = svc_create.args;
  auto* sc_cmd = service_cmd->add_subcommand(
      "create", "Create a service from a task definition, or from an image (family NAME)");
  auto* sc_td = sc_cmd->add_option("--task-definition", sc.task_definition,
                                   "Task definition to run: FAMILY[:REV] or ARN");
  auto* sc_image =
      sc_cmd->add_option("--image", sc.spec.image, "Run this image (registers/reuses family NAME)")
          ->excludes(sc_td);
  sc_cmd->add_option("-e,--env", svc_create.env_args, "With --image: environment variable K=V")
      ->allow_extra_args(false)
      ->needs(sc_image);
  auto* sc_cpu = sc_cmd->add_option("--cpu", sc.spec.cpu.emplace(), "With --image: CPU units")
                     ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
                     ->needs(sc_image);
  auto* sc_mem = sc_cmd->add_option("--memory", sc.spec.memory.emplace(), "With --image: MiB")
                     ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
                     ->needs(sc_image);
  sc_cmd->add_option("--desired-count", sc.desired_count, "Tasks to keep running (default 1)")
      ->check(non_negative);
  auto* sc_min = sc_cmd->add_option("--min-healthy-percent",
                                    sc.deployment.min_healthy_percent.emplace(),
                                    "Deployments keep at least this % of tasks healthy (0-100)");
  auto* sc_max = sc_cmd->add_option("--max-percent", sc.deployment.max_percent.emplace(),
                                    "Deployments run at most this % of tasks (100-400)");
  auto* sc_cb = sc_cmd->add_flag("--circuit-breaker{enable}",
                                 sc.deployment.circuit_breaker.emplace(),
                                 "Fail deployments whose tasks keep failing (=rollback: and roll "
                                 "back to the last completed one)");
  auto* sc_grace = sc_cmd->add_option("--health-check-grace-period",
                                      sc.health_check_grace_period_s.emplace(),
                                      "Seconds new tasks' failing health checks are ignored")
                       ->check(non_negative);
  sc_cmd->add_option("name", sc.name, "Service name")->required();
  sc_cmd->add_option("command", sc.spec.command, "With --image: command and arguments (after --)")
      ->needs(sc_image);
  sc_cmd->callback([&] {
    if (sc_td->count() == 0 && sc_image->count() == 0)
      throw CLI::RequiredError("--task-definition or --image");
    if (sc_cpu->count() == 0) sc.spec.cpu.reset();
    if (sc_mem->count() == 0) sc.spec.memory.reset();
    if (sc_min->count() == 0) sc.deployment.min_healthy_percent.reset();
    if (sc_max->count() == 0) sc.deployment.max_percent.reset();
    if (sc_cb->count() == 0) sc.deployment.circuit_breaker.reset();
    if (sc_grace->count() == 0) sc.health_check_grace_period_s.reset();
    action = [&](CliContext& ctx) { return ServiceCreateCommand(ctx, std::move(svc_create)); };
  });

  auto* svc_ls_cmd = service_cmd->add_subcommand("ls", "List services");
  svc_ls_cmd->callback([&] { action = [](CliContext& ctx) { return ServiceLsCommand(ctx); }; });

  std::string svc_name;
  auto* svc_inspect_cmd = service_cmd->add_subcommand("inspect", "Show a service as JSON");
  svc_inspect_cmd->add_option("name", svc_name, "Service name or ARN")->required();
  svc_inspect_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return ServiceInspectCommand(ctx, svc_name); }; });

  int svc_scale_count = 0;
  auto* svc_scale_cmd = service_cmd->add_subcommand("scale", "Set a service's desired count");
  svc_scale_cmd->add_option("name", svc_name, "Service name or ARN")->required();
  svc_scale_cmd->add_option("count", svc_scale_count, "Desired count")
      ->required()
      ->check(non_negative);
  svc_scale_cmd->callback([&] {
    action = [&](CliContext& ctx) { return ServiceScaleCommand(ctx, svc_name, svc_scale_count); };
  });

  ServiceUpdateArgs su;
  auto* su_cmd = service_cmd->add_subcommand(
      "update", "Change a service (a new task definition starts a rolling deployment)");
  auto* su_td = su_cmd->add_option("--task-definition", su.task_definition,
                                   "Task definition: FAMILY[:REV] or ARN");
  auto* su_force = su_cmd->add_flag("--force-new-deployment", su.force_new_deployment,
                                    "Replace every task even if nothing changed");
  auto* su_count =
      su_cmd->add_option("--desired-count", su.desired_count.emplace(), "Tasks to keep running")
          ->check(non_negative);
  auto* su_min = su_cmd->add_option("--min-healthy-percent",
                                    su.deployment.min_healthy_percent.emplace(),
                                    "Deployments keep at least this % of tasks healthy (0-100)");
  auto* su_max = su_cmd->add_option("--max-percent", su.deployment.max_percent.emplace(),
                                    "Deployments run at most this % of tasks (100-400)");
  auto* su_cb = su_cmd->add_flag("--circuit-breaker{enable}",
                                 su.deployment.circuit_breaker.emplace(),
                                 "Circuit breaker: --circuit-breaker[=rollback|on|off]");
  auto* su_grace = su_cmd->add_option("--health-check-grace-period",
                                      su.health_check_grace_period_s.emplace(),
                                      "Seconds new tasks' failing health checks are ignored")
                       ->check(non_negative);
  su_cmd->add_option("name", su.name, "Service name or ARN")->required();
  su_cmd->callback([&] {
    if (su_count->count() == 0) su.desired_count.reset();
    if (su_min->count() == 0) su.deployment.min_healthy_percent.reset();
    if (su_max->count() == 0) su.deployment.max_percent.reset();
    if (su_cb->count() == 0) su.deployment.circuit_breaker.reset();
    if (su_grace->count() == 0) su.health_check_grace_period_s.reset();
    if (su_td->count() + su_force->count() + su_count->count() + su_min->count() +
            su_max->count() + su_cb->count() + su_grace->count() ==
        0)
      throw CLI::RequiredError(
          "one of --task-definition, --desired-count, --force-new-deployment, "
          "--min-healthy-percent, --max-percent, --circuit-breaker, --health-check-grace-period");
    action = [&](CliContext& ctx) { return ServiceUpdateCommand(ctx, su); };
  });

  bool svc_rm_force = false;
  auto* svc_rm_cmd = service_cmd->add_subcommand("rm", "Delete a service (its tasks are stopped)");
  svc_rm_cmd->add_flag("-f,--force", svc_rm_force, "Delete even if scaled above 0");
  svc_rm_cmd->add_option("name", svc_name, "Service name or ARN")->required();
  svc_rm_cmd->callback([&] {
    action = [&](CliContext& ctx) { return ServiceRmCommand(ctx, svc_name, svc_rm_force); };
  });

  // deploy
  DeployOptions deploy;
  auto* deploy_cmd = app.add_subcommand(
      "deploy", "Roll a service out to a new image and follow the deployment");
  deploy_cmd->add_option("--image", deploy.image, "New image for the container")->required();
  deploy_cmd->add_option("--container", deploy.container,
                         "Container whose image changes (default: the first)");
  deploy_cmd->add_option("--wait-timeout", deploy.wait_timeout,
                         "Give up following after this long (default 10m)");
  deploy_cmd->add_option("service", deploy.service, "Service name")->required();
  deploy_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return DeployCommand(ctx, deploy); }; });

  // events
  EventsOptions events;
  auto* events_cmd = app.add_subcommand("events", "Print a service's events, oldest first");
  events_cmd->add_flag("-f,--follow", events.follow, "Keep printing new events until Ctrl-C");
  events_cmd->add_option("service", events.service, "Service name or ARN")->required();
  events_cmd->callback(
      [&] { action = [&](CliContext& ctx) { return EventsCommand(ctx, events); }; });

  if (argc <= 1) {
    std::fputs(app.help().c_str(), stderr);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    PrintError(UsageMessage(app, e));
    return kExitUsage;
  }
  if (!action) {
    PrintError("no command given (see 'gantry --help')");
    return kExitUsage;
  }

  if (endpoint.empty()) {
    const char* env = std::getenv("GANTRY_ENDPOINT");
    endpoint = env && *env ? env : kDefaultEndpoint;
  }
  auto parsed_endpoint = ParseEndpoint(endpoint);
  if (!parsed_endpoint.ok()) {
    PrintError(parsed_endpoint.error().message);
    return kExitUsage;
  }
  ApiClient api{HttpClient(std::move(parsed_endpoint).value())};
  CliContext ctx{api, output == "json" ? OutputFormat::kJson : OutputFormat::kTable};

  InstallInterruptHandler();
  auto result = action(ctx);
  if (!result.ok()) {
    PrintError(result.error().message);
    return kExitError;
  }
  return *result;
}

}  // namespace

int CliMain(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    PrintError(fmt::format("unexpected error: {}", e.what()));
  } catch (...) {
    PrintError("unexpected error");
  }
  return kExitError;
}

}  // namespace gantry::cli
