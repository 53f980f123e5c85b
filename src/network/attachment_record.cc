#include "network/attachment_record.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/json_util.h"
#include "network/ipv4_net.h"

namespace gantry::network {

namespace json = boost::json;

std::string SerializeRecord(const AttachmentRecord& r) {
  json::object o;
  o["owner"] = r.owner;
  o["mode"] = r.mode;
  o["netnsName"] = r.netns_name;
  o["containerId"] = r.container_id;
  o["ifname"] = r.ifname;
  if (!r.veth.empty()) o["veth"] = r.veth;
  if (!r.ipv4.empty()) o["ipv4"] = r.ipv4;
  o["hostname"] = r.hostname;
  json::array plugins;
  for (const auto& p : r.plugins) plugins.push_back(p);
  o["plugins"] = std::move(plugins);
  o["result"] = r.result;
  json::array ports;
  for (const auto& p : r.ports)
    ports.push_back(json::object{
        {"containerPort", p.container_port}, {"hostPort", p.host_port}, {"protocol", p.protocol}});
  o["ports"] = std::move(ports);
  o["complete"] = r.complete;
  return json::serialize(o);
}

Result<AttachmentRecord> ParseRecord(std::string_view text) {
  GANTRY_ASSIGN_OR_RETURN(json::value v, ParseJson(text));
  if (!v.is_object()) return MakeError(ErrorCode::kInvalidArgument, "record is not an object");
  const auto& o = v.as_object();
  AttachmentRecord r;
  auto str = [&](const char* key) -> std::string {
    auto* x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  r.owner = str("owner");
  r.mode = str("mode");
  r.netns_name = str("netnsName");
  r.container_id = str("containerId");
  r.ifname = str("ifname");
  r.veth = str("veth");
  r.ipv4 = str("ipv4");
  r.hostname = str("hostname");
  if (r.owner.empty() || r.mode.empty())
    return MakeError(ErrorCode::kInvalidArgument, "record without owner/mode");
  if (auto* p = o.if_contains("plugins"); p && p->is_array())
    for (const auto& e : p->as_array())
      if (e.is_object()) r.plugins.push_back(e.as_object());
  if (auto* x = o.if_contains("result"); x && x->is_object()) r.result = x->as_object();
  if (auto* p = o.if_contains("ports"); p && p->is_array()) {
    for (const auto& e : p->as_array()) {
      if (!e.is_object()) continue;
      const auto& po = e.as_object();
      PortMapping m;
      if (auto* c = po.if_contains("containerPort"); c && c->is_int64())
        m.container_port = static_cast<int>(c->as_int64());
      if (auto* h = po.if_contains("hostPort"); h && h->is_int64())
        m.host_port = static_cast<int>(h->as_int64());
      if (auto* pr = po.if_contains("protocol"); pr && pr->is_string())
        m.protocol = std::string(pr->as_string());
      r.ports.push_back(m);
    }
  }
  if (auto* c = o.if_contains("complete"); c && c->is_bool()) r.complete = c->as_bool();
  return r;
}

Attachment ToAttachment(const AttachmentRecord& r, const std::string& netns_dir) {
  Attachment a;
  a.mode = r.mode;
  a.netns_path = r.netns_name.empty() ? "" : netns_dir + "/" + r.netns_name;
  a.interface_name = r.ifname;
  a.hostname = r.hostname;
  a.ports = r.ports;
  const json::array* ips = nullptr;
  if (auto* x = r.result.if_contains("ips"); x && x->is_array()) ips = &x->as_array();
  if (ips && !ips->empty() && ips->front().is_object()) {
    const auto& ip = ips->front().as_object();
    if (auto* addr = ip.if_contains("address"); addr && addr->is_string()) {
      std::string cidr(addr->as_string());
      a.ipv4 = cidr.substr(0, cidr.find('/'));
      auto ipnum = ParseIpv4(a.ipv4);
      auto slash = cidr.find('/');
      if (ipnum.ok() && slash != std::string::npos) {
        Ipv4Net n{*ipnum, std::stoi(cidr.substr(slash + 1))};
        n.addr &= n.Mask();
        a.subnet_cidr = n.ToString();
      }
    }
    if (auto* gw = ip.if_contains("gateway"); gw && gw->is_string())
      a.gateway = std::string(gw->as_string());
    const json::array* ifs = nullptr;
    if (auto* x = r.result.if_contains("interfaces"); x && x->is_array()) ifs = &x->as_array();
    if (auto* idx = ip.if_contains("interface"); idx && idx->is_int64() && ifs) {
      auto i = static_cast<size_t>(idx->as_int64());
      if (i < ifs->size() && (*ifs)[i].is_object())
        if (auto* mac = (*ifs)[i].as_object().if_contains("mac"); mac && mac->is_string())
          a.mac = std::string(mac->as_string());
    }
  }
  return a;
}

}  // namespace gantry::network
