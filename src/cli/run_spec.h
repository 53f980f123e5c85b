// RunSpec: what `gantry run` asks for, and the pure translation of it into API requests (the
// API runs task definitions only, so `run` keeps a family "run-<image>" per image).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace gantry::cli {

struct RunSpec {
  std::string image;
  std::string container_name = "main";
  std::vector<std::string> command;  // empty: the image's default
  std::vector<std::pair<std::string, std::string>> environment;
  std::optional<int64_t> cpu;     // CPU units (1024 = 1 vCPU)
  std::optional<int64_t> memory;  // MiB
  std::string started_by;
};

// Every character outside [a-zA-Z0-9_-] becomes '-'; the result fits an ECS family name.
std::string SanitizeFamilyPart(std::string_view image);
std::string RunFamilyFor(std::string_view image);

// "K=V" -> {K, V}; a bare "K" takes K's value from `lookup` (the caller's environment), as
// docker does, and is dropped (nullopt) when unset. Empty or "=V" keys are errors.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
Result<std::optional<std::pair<std::string, std::string>>> ParseEnvAssignment(
    std::string_view text, const EnvLookup& lookup);

// True when `task_definition` (the family's latest ACTIVE revision) runs exactly our image in a
// container with our name, so it can be reused instead of registering a new revision.
bool TaskDefinitionFits(const boost::json::object& task_definition, const RunSpec& spec);

boost::json::value RegisterTaskDefinitionBody(const RunSpec& spec);
boost::json::value RunTaskBody(const RunSpec& spec, std::string_view task_definition);

}  // namespace gantry::cli
