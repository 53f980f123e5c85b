// The on-disk record of one attachment (a task's or a warm-pool entry's): the exact CNI configs
// sent on ADD, in chain order, and the last ADD result, so DEL can replay them after a restart.
// Written before any kernel object is created, so a crash never leaves something unrecorded.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "network/task_network_manager.h"

namespace gantry::network {

struct AttachmentRecord {
  std::string owner;         // task id, or the pool entry id
  std::string mode;          // awsvpc, host, none
  std::string netns_name;    // under /run/gantry/netns; "" for host
  std::string container_id;  // CNI_CONTAINERID of the ADDs (a claimed pool entry keeps its own)
  std::string ifname = "eth0";
  std::string veth;  // host end of the task's veth pair (awsvpc); "" for older CNI-bridge records
  std::string ipv4;  // "10.213.0.7/16": the task's address, recorded before anything is created
  std::string hostname;
  std::vector<boost::json::object> plugins;  // configs as sent on ADD (portmap with prevResult)
  boost::json::object result;                // result of the last successful ADD
  std::vector<PortMapping> ports;
  bool complete = false;  // every ADD in `plugins` succeeded
};

std::string SerializeRecord(const AttachmentRecord& r);
Result<AttachmentRecord> ParseRecord(std::string_view text);

// Fills ipv4/gateway/subnet/mac/netns from the record's CNI result.
Attachment ToAttachment(const AttachmentRecord& r, const std::string& netns_dir);

}  // namespace gantry::network
