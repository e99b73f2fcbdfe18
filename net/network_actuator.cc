#include "net/network_actuator.h"

#include "net/net_update.h"
#include "net/network_kind.h"
#include "net/network_nic_reattacher.h"
#include "net/network_xml.h"
#include "providers/host/host_session.h"
#include "providers/kind/step_log.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

#include <algorithm>

namespace virtplan::net {

using nlohmann::json;
using providers::ActuatorOutcome;
using providers::ActuatorStep;
using providers::ErrorCode;
using providers::HostSession;
using providers::Impact;
using providers::live_way;
using providers::Result;
using providers::StackObject;
using providers::StepLog;

namespace {

Result<void> logged(const Result<std::string>& ran, std::string_view command, StepLog& log, std::string done,
                    std::string_view not_done) {
  if (!ran) return providers::fail(log.failure(command, ran.error(), not_done));
  log.done(std::move(done));
  return {};
}

Result<void> run(HostSession& host, std::vector<std::string> args, StepLog& log, std::string done,
                 std::string_view not_done, std::optional<std::string> stdin_data = std::nullopt) {
  const std::string command = args.front();
  return logged(host.virsh().run(std::move(args), std::move(stdin_data)), command, log, std::move(done),
                not_done);
}

// A network's start takes ~0.5 s (its dnsmasq, its firewall rules): it is
// held aside in a shared virsh (VirshCall::aside) rather than given a virsh
// process, a libvirtd connection and an SSH channel of its own.
Result<void> start(HostSession& host, const std::string& name, StepLog& log, std::string done,
                   std::string_view not_done) {
  return logged(host.virsh().run_aside({"net-start", "--network", name}), "net-start", log, std::move(done),
                not_done);
}

Result<void> set_autostart(HostSession& host, const std::string& name, bool on, StepLog& log) {
  std::vector<std::string> args{"net-autostart", "--network", name};
  if (!on) args.push_back("--disable");
  return run(host, std::move(args), log, on ? "autostart set" : "autostart disabled", "");
}

// `net-info` says "Active:          yes".
bool is_active(const std::string& info) {
  std::size_t at = info.find("Active:");
  if (at == std::string::npos) return false;
  std::size_t end = info.find('\n', at);
  return info.substr(at, end == std::string::npos ? std::string::npos : end - at).find("yes") !=
         std::string::npos;
}

// net-update reports success for changes it then does not make (a DHCP host
// outside the subnet, libvirt-facts.md): read the config back and compare the
// fields the stack sets, as the planner would.
Result<void> verify(HostSession& host, const StackObject& object, const StepLog& log) {
  auto after = host.virsh().run({"net-dumpxml", "--inactive", "--network", object.id.name});
  if (!after) return providers::fail(log.failure("net-dumpxml", after.error(), "not verified"));
  auto now = network_kind().parse_xml(*after);
  if (!now) return providers::fail(now.error().with_context(object.id.address()));
  json want = network_kind().reconcile(object.spec, *now);
  for (const auto& [key, value] : want.items()) {
    if (key == "autostart") continue;  // not in the XML
    json found = now->contains(key) ? now->at(key) : json();
    if (found != value) {
      return providers::fail(log.failure(ErrorCode::other, fmt::format("net-update left {} as {}, not {}",
                                                                       key, found.dump(), value.dump())));
    }
  }
  return {};
}

// As the plan recorded it: a restart only when the plan showed one.
bool needs_restart(const std::vector<providers::FieldChange>& fields) {
  return std::any_of(fields.begin(), fields.end(),
                     [](const providers::FieldChange& field) { return field.impact >= Impact::restart; });
}

// A change the plan showed as live must be made live: one whose rule has no
// live way fails the step before anything changes, never restarts the
// network.
Result<void> refuse_changes_without_live_way(const std::vector<providers::FieldChange>& fields,
                                             const StepLog& log) {
  std::vector<providers::FieldChange> without;
  for (const auto& field : fields) {
    if (field.impact == Impact::live && live_way(network_field_rules(), field).empty())
      without.push_back(field);
  }
  if (without.empty()) return {};
  return providers::fail(log.no_live_way(without));
}

}  // namespace

Result<ActuatorOutcome> NetworkActuator::create(const ActuatorStep& step, HostSession& host) const {
  const StackObject& object = step.desired;
  const std::string& name = object.id.name;
  StepLog log(object.id);
  auto xml = network_kind().create_xml(object);
  if (!xml) return providers::fail(xml.error());
  if (auto r = run(host, {"net-define", "/dev/stdin"}, log, "defined", "nothing created", *xml); !r) {
    return providers::fail(r.error());
  }
  if (auto r = start(host, name, log, "started", "not started"); !r) {
    return providers::fail(r.error());
  }
  if (object.spec.value("autostart", false)) {
    if (auto r = set_autostart(host, name, true, log); !r) return providers::fail(r.error());
  }
  return ActuatorOutcome{};
}

Result<ActuatorOutcome> NetworkActuator::update(const ActuatorStep& step, HostSession& host) const {
  const StackObject& object = step.desired;
  const std::string& name = object.id.name;
  StepLog log(object.id);
  auto read =
      host.virsh().batch({{"net-dumpxml", "--inactive", "--network", name}, {"net-info", "--network", name}});
  if (!read[0]) return providers::fail(log.failure("net-dumpxml", read[0].error(), "nothing changed"));
  if (!read[1]) return providers::fail(log.failure("net-info", read[1].error(), "nothing changed"));
  const bool active = is_active(*read[1]);
  auto document = providers::XmlDocument::parse(*read[0], object.id.address());
  if (!document) return providers::fail(document.error().with_context(object.id.address()));
  const bool owned = object.stack.empty() || read_network_owner(*document) == object.stack;
  if (auto r = refuse_changes_without_live_way(step.fields, log); !r) return providers::fail(r.error());

  if (needs_restart(step.fields)) {
    auto xml = network_kind().update_xml(*read[0], object);
    if (!xml) return providers::fail(xml.error());
    std::vector<NetworkNicReattacher::Nic> nics;
    if (active) {
      auto found = NetworkNicReattacher::find(host, name, log);
      if (!found) return providers::fail(found.error());
      nics = std::move(*found);
    }
    if (auto r = run(host, {"net-define", "/dev/stdin"}, log, "redefined", "not redefined", *xml); !r) {
      return providers::fail(r.error());
    }
    if (active) {
      if (auto r = run(host, {"net-destroy", "--network", name}, log, "stopped", "not restarted"); !r) {
        return providers::fail(r.error());
      }
      if (auto r = start(host, name, log, "restarted",
                         fmt::format("not started again, {} guest NIC(s) disconnected", nics.size()));
          !r) {
        return providers::fail(r.error());
      }
      if (auto r = NetworkNicReattacher::reattach(host, name, nics, log); !r)
        return providers::fail(r.error());
    }
  } else {
    auto current = network_kind().parse_xml(*read[0]);
    if (!current) return providers::fail(current.error().with_context(object.id.address()));
    const std::vector<NetUpdate> updates = NetUpdate::between(*current, object.spec);
    for (const NetUpdate& update : updates) {
      std::vector<std::string> args{"net-update", "--network",    name,    "--command",  update.command,
                                    "--section",  update.section, "--xml", "/dev/stdin", "--config"};
      if (active) args.push_back("--live");
      if (auto r = run(host, std::move(args), log, fmt::format("{} {}", update.section, update.command), "",
                       update.xml);
          !r) {
        return providers::fail(r.error());
      }
    }
    if (!owned) {
      // No net-metadata before libvirt 9.7: the marker goes in by redefining,
      // which changes only the config's metadata.
      auto reread = host.virsh().run({"net-dumpxml", "--inactive", "--network", name});
      if (!reread)
        return providers::fail(log.failure("net-dumpxml", reread.error(), "ownership marker not written"));
      auto xml = network_kind().update_xml(*reread, object);
      if (!xml) return providers::fail(xml.error());
      if (auto r = run(host, {"net-define", "/dev/stdin"}, log, "ownership marker written",
                       "ownership marker not written", *xml);
          !r) {
        return providers::fail(r.error());
      }
    }
    if (!updates.empty()) {
      if (auto verified = verify(host, object, log); !verified) return providers::fail(verified.error());
    }
  }

  for (const auto& field : step.fields) {
    if (live_way(network_field_rules(), field) == network_live::autostart &&
        object.spec.contains("autostart")) {
      if (auto r = set_autostart(host, name, object.spec.at("autostart").get<bool>(), log); !r) {
        return providers::fail(r.error());
      }
    }
  }
  return ActuatorOutcome{};
}

Result<ActuatorOutcome> NetworkActuator::destroy(const ActuatorStep& step, HostSession& host) const {
  const std::string& name = step.desired.id.name;
  StepLog log(step.desired.id);
  auto info = host.virsh().run({"net-info", "--network", name});
  if (!info) {
    if (info.error().code() == ErrorCode::not_found) return ActuatorOutcome{};  // gone already
    return providers::fail(log.failure("net-info", info.error(), "nothing destroyed"));
  }
  if (is_active(*info)) {
    if (auto r = run(host, {"net-destroy", "--network", name}, log, "stopped", "not undefined"); !r) {
      return providers::fail(r.error());
    }
  }
  auto undefined = host.virsh().run({"net-undefine", "--network", name});
  if (!undefined && undefined.error().code() != ErrorCode::not_found) {
    return providers::fail(log.failure("net-undefine", undefined.error(), "not undefined"));
  }
  return ActuatorOutcome{};
}

providers::Result<bool> NetworkActuator::exists(const providers::ObjectId& id,
                                                providers::HostSession& host) const {
  return providers::existence_from(host.virsh().run({"net-info", "--network", id.name}));
}

}  // namespace virtplan::net
