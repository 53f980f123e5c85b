// Direct invocation of CNI plugin binaries (spec 1.0.0): CNI_* environment, the network config on
// stdin, the result or error JSON on stdout. No libcni, no conflist files: the caller builds each
// plugin's config (and keeps it, because DEL must replay exactly what ADD got).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "common/result.h"

namespace gantry::network {

inline constexpr const char* kCniVersion = "1.0.0";

struct CniCall {
  std::string command;       // "ADD", "DEL", "CHECK"
  std::string container_id;  // stable per attachment; host-local keys its allocation by it
  std::string netns_path;    // may be a namespace that no longer exists on DEL
  std::string ifname = "eth0";
};

// Runs <bin_dir>/<config.type>. ADD returns the parsed result object, DEL an empty object.
// A plugin error becomes a Result error carrying the plugin's msg/details; host-local's
// "no IP addresses available" becomes kResourceExhausted.
Result<boost::json::object> InvokeCni(const std::string& bin_dir, const CniCall& call,
                                      const boost::json::object& config);

}  // namespace gantry::network
