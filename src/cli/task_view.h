// Read-only views of API objects (tasks, containers) as the CLI displays them. Lenient: a
// missing or mistyped field reads as empty, never as an error, so listings always render.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::cli {

std::string StringField(const boost::json::object& o, std::string_view key);
std::optional<double> NumberField(const boost::json::object& o, std::string_view key);
const boost::json::array* ArrayField(const boost::json::object& o, std::string_view key);

// "web:3" from ".../task-definition/web:3".
std::string FamilyRevision(std::string_view task_definition_arn);

// Comma-separated images of the task's containers.
std::string TaskImages(const boost::json::object& task);

// The exit code of the named container, or of the first container that has one.
std::optional<int> ContainerExitCode(const boost::json::object& task, std::string_view name = {});
// The container's "reason" (e.g. OutOfMemoryError...), empty when none.
std::string ContainerReason(const boost::json::object& task, std::string_view name = {});

// lastStatus, with the outcome for stopped tasks: "STOPPED (exit 0)", "STOPPED (failed to start)".
std::string TaskStatusText(const boost::json::object& task);

// One `gantry ps` row: TASK ID, IMAGE, STATUS, CREATED, FAMILY:REV, NAME.
std::vector<std::string> PsHeaders();
std::vector<std::string> PsRow(const boost::json::object& task, int64_t now_ms);

}  // namespace gantry::cli
