#include "kvm/domain_actuator.h"

#include "kvm/domain_address_wait.h"
#include "kvm/domain_change_set.h"
#include "kvm/domain_kind.h"
#include "kvm/domain_live_updater.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_power.h"
#include "kvm/domain_reconciler.h"
#include "kvm/domain_seed_media.h"
#include "kvm/domain_spec.h"
#include "providers/host_session.h"
#include "providers/step_log.h"
#include "providers/xml_document.h"

#include <fmt/format.h>

#include <algorithm>

namespace virtplan::kvm {

using nlohmann::json;
using providers::ActuatorOutcome;
using providers::ActuatorStep;
using providers::ErrorCode;
using providers::FieldChange;
using providers::HostSession;
using providers::Result;
using providers::StackObject;
using providers::StepLog;

namespace {

std::chrono::milliseconds shutdown_timeout(const json& spec, const DomainTiming& timing) {
  // Signed in a spec made in memory, unsigned in one read back from JSON.
  if (spec.is_object() && spec.contains("shutdown_timeout") && spec.at("shutdown_timeout").is_number_integer() &&
      spec.at("shutdown_timeout").get<std::int64_t>() > 0) {
    return std::chrono::seconds(spec.at("shutdown_timeout").get<std::int64_t>());
  }
  return timing.shutdown_timeout;
}

// Puts a field back as the host has it: the config then keeps what it was.
void restore(json& spec, const FieldChange& field) {
  try {
    json::json_pointer pointer(field.path);
    if (!field.before.is_null()) {
      spec[pointer] = field.before;
    } else if (spec.contains(pointer)) {
      spec[pointer.parent_pointer()].erase(pointer.back());
    }
  } catch (const json::exception&) {
    // Not a pointer into this spec: nothing to restore.
  }
}

Result<DomainSpec> typed(const StackObject& object) {
  auto spec = DomainSpec::from_json(object.spec);
  if (!spec) return providers::fail(spec.error().with_context(object.id.address()));
  return spec;
}

// `virt_type: auto` is what the host offers: kvm when it can, else TCG.
Result<json> with_virt_type(const json& spec, HostSession& host, const StepLog& log) {
  if (spec.value("virt_type", "auto") != "auto") return spec;
  // Once per host, not once per domain (HostSession::read_once).
  auto capabilities = host.read_once({"capabilities"});
  if (!capabilities) return providers::fail(log.failure("capabilities", capabilities.error(), "not defined"));
  return DomainReconciler::reconcile(spec, json{{"virt_type", host_virt_type(*capabilities)}});
}

Result<void> set_autostart(HostSession& host, const std::string& name, bool on, StepLog& log,
                           std::string_view not_done) {
  std::vector<std::string> args{"autostart", "--domain", name};
  if (!on) args.push_back("--disable");
  auto ran = host.virsh().run(std::move(args));
  if (!ran) return providers::fail(log.failure("autostart", ran.error(), not_done));
  log.done(on ? "autostart set" : "autostart disabled");
  return {};
}

bool owned_by(const providers::XmlDocument& document, const std::string& stack) {
  if (stack.empty()) return true;  // update_xml() keeps whatever owner the XML has
  auto owner = DomainOwner::read(document.root());
  return owner && owner->stack == stack;
}

// With `wait: {ip: true}`, the DHCP leases the domain holds just before it is
// started to run (`want`): the network keeps a lease of an earlier boot until
// it expires, and that one must not end the wait (see
// kvm/domain_address_wait.h). None when nothing will wait.
Result<std::vector<DhcpLease>> leases_before_start(const DomainSpec& spec, PowerState want, HostSession& host,
                                                   const std::string& name, const StepLog& log) {
  if (want != PowerState::running || !spec.wait || !spec.wait->ip) return std::vector<DhcpLease>{};
  auto leases = dhcp_leases(host.virsh(), name);
  if (!leases) return providers::fail(log.failure("domiflist", leases.error(), "not started"));
  return leases;
}

// `wait: {ip: true}` after the domain was started: the step ends once the
// guest has an IPv4 address other than the `earlier` leases, which it
// reports, or fails saying which domain on which host had none within the
// timeout (left running either way).
Result<void> wait_for_ip(const DomainSpec& spec, HostSession& host, const ActuatorStep& step,
                         const DomainTiming& timing, std::vector<DhcpLease> earlier) {
  if (!spec.wait || !spec.wait->ip) return {};
  const auto timeout = std::chrono::seconds(spec.wait->timeout);
  if (step.progress) step.progress(fmt::format("waiting up to {} s for an IP address", timeout.count()));
  AddressWaitOptions options;
  options.timeout = timeout;
  options.interval = timing.address_interval;
  options.earlier_leases = std::move(earlier);
  const auto start = std::chrono::steady_clock::now();
  auto found = wait_for_address(host.virsh(), step.desired.id.name, step.desired.id.address(), options);
  if (!found) return providers::fail(found.error());
  std::vector<std::string> ips;
  for (const DomainAddress& address : *found) ips.push_back(fmt::format("{} ({})", address.ip, address.source));
  const auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (step.progress) step.progress(fmt::format("IP address {} after {:.0f} s", fmt::join(ips, ", "), waited));
  return {};
}

// The seed volume is replaced before the domain's step (the domain references
// it): a running domain reads the old file until its media is changed.
bool seed_changed(const std::vector<FieldChange>& fields) {
  return std::any_of(fields.begin(), fields.end(),
                     [](const FieldChange& field) { return field.path == std::string("/cloud_init/") + k_seed_sha256; });
}

}  // namespace

Result<ActuatorOutcome> DomainActuator::create(const ActuatorStep& step, HostSession& host) const {
  const StackObject& object = step.desired;
  const std::string& name = object.id.name;
  StepLog log(object.id);
  auto spec = with_virt_type(object.spec, host, log);
  if (!spec) return providers::fail(spec.error());
  auto desired = typed(StackObject{object.id, *spec, object.stack, object.where, object.locations});
  if (!desired) return providers::fail(desired.error());
  auto xml = DomainKind().create_xml(StackObject{object.id, *spec, object.stack, object.where, object.locations});
  if (!xml) return providers::fail(xml.error().with_context(object.id.address()));

  if (auto defined = host.virsh().run({"define", "/dev/stdin"}, *xml); !defined) {
    return providers::fail(log.failure("define", defined.error(), "nothing created"));
  }
  log.done("defined");
  if (desired->autostart.value_or(false)) {
    if (auto r = set_autostart(host, name, true, log, "not started"); !r) return providers::fail(r.error());
  }
  auto want = power_state_from_spec(desired->state.value_or("running")).value_or(PowerState::running);
  if (want != PowerState::stopped) {
    // A domain defined anew may have a MAC an earlier one had (a replace).
    auto earlier = leases_before_start(*desired, want, host, name, log);
    if (!earlier) return providers::fail(earlier.error());
    DomainPower power(host.virsh(), name, log, m_timing, step.progress);
    if (auto started = power.start(want == PowerState::paused); !started) return providers::fail(started.error());
    if (want == PowerState::running) {
      auto waited = wait_for_ip(*desired, host, step, m_timing, std::move(*earlier));
      if (!waited) return providers::fail(waited.error());
    }
  }
  return ActuatorOutcome{};
}

Result<ActuatorOutcome> DomainActuator::update(const ActuatorStep& step, HostSession& host) const {
  const StackObject& object = step.desired;
  const std::string& name = object.id.name;
  StepLog log(object.id);
  ActuatorOutcome outcome;
  auto desired = typed(object);
  if (!desired) return providers::fail(desired.error());

  auto read = host.virsh().batch({{"domstate", "--domain", name}, {"dumpxml", "--inactive", "--domain", name}});
  if (!read[0]) return providers::fail(log.failure("domstate", read[0].error(), "nothing changed"));
  if (!read[1]) return providers::fail(log.failure("dumpxml", read[1].error(), "nothing changed"));
  const PowerState now = power_state_from_domstate(*read[0]);
  const PowerState want = desired->state ? power_state_from_spec(*desired->state).value_or(now) : now;
  auto inactive = providers::XmlDocument::parse(*read[1], object.id.address());
  if (!inactive) return providers::fail(inactive.error().with_context(object.id.address()));

  const DomainChangeSet changes = DomainChangeSet::of(step.fields);
  const bool active = now != PowerState::stopped;
  const bool stays_up = active && want != PowerState::stopped;
  bool restart = stays_up && !changes.restart.empty();
  json config = object.spec;
  if (restart && desired->restart.value_or("if-needed") == "never") {
    // Left out of the config so the plan keeps showing them as pending.
    for (const FieldChange& field : changes.restart) restore(config, field);
    outcome.warnings.push_back("restart pending (restart: never)");
    restart = false;
  }
  const bool live = stays_up && !restart;
  DomainLiveUpdater updater(host.virsh(), name, log, m_timing, step.progress);

  if (live && !changes.detach.empty()) {
    auto kept = updater.detach(changes.detach);
    if (!kept) return providers::fail(kept.error());
    for (const auto& detach : *kept) {
      restore(config, detach.field);
      outcome.warnings.push_back(fmt::format("the guest did not release {} within {} s; it stays in the config",
                                             detach.device.describe(),
                                             std::chrono::duration_cast<std::chrono::seconds>(m_timing.detach_timeout).count()));
    }
  }

  if (changes.config || !owned_by(*inactive, object.stack)) {
    auto xml = DomainKind().update_xml(*read[1], StackObject{object.id, config, object.stack, object.where,
                                                             object.locations});
    if (!xml) return providers::fail(log.failure(ErrorCode::invalid, xml.error().message(), "not redefined"));
    if (auto defined = host.virsh().run({"define", "/dev/stdin"}, *xml); !defined) {
      return providers::fail(log.failure("define", defined.error(), "not redefined"));
    }
    log.done("redefined");
  }

  if (live && (changes.vcpus || changes.memory || changes.title || changes.description || changes.metadata ||
               !changes.attach.empty() || changes.attach_nics || !changes.update.empty())) {
    auto current = host.virsh().run({"dumpxml", "--inactive", "--domain", name});
    if (!current) return providers::fail(log.failure("dumpxml", current.error(), "the running domain not updated"));
    auto document = providers::XmlDocument::parse(*current, object.id.address());
    if (!document) return providers::fail(document.error().with_context(object.id.address()));
    if (auto applied = updater.apply(changes, *desired, *document); !applied) return providers::fail(applied.error());
  }

  if (stays_up && seed_changed(step.fields)) {
    // Also before a restart: a guest that reboots itself later reads it too.
    auto current = host.virsh().run({"dumpxml", "--inactive", "--domain", name});
    if (!current) return providers::fail(log.failure("dumpxml", current.error(), "the seed CD-ROM not swapped"));
    auto document = providers::XmlDocument::parse(*current, object.id.address());
    if (!document) return providers::fail(document.error().with_context(object.id.address()));
    auto swapped = swap_seed_media(host.virsh(), name, *document, log);
    if (!swapped) return providers::fail(swapped.error());
    if (*swapped && !restart) {
      outcome.warnings.push_back(fmt::format("new cloud-init seed on CD-ROM {}: the guest reads it at its next boot",
                                             **swapped));
    }
  }

  if (changes.autostart && desired->autostart) {
    if (auto r = set_autostart(host, name, *desired->autostart, log, ""); !r) return providers::fail(r.error());
  }

  DomainPower power(host.virsh(), name, log, m_timing, step.progress);
  const auto timeout = shutdown_timeout(object.spec, m_timing);
  // Read while the domain is off (after the shutdown of a restart): a guest
  // still running could renew its lease after the reading.
  std::vector<DhcpLease> earlier;
  const auto read_earlier = [&]() -> Result<void> {
    auto leases = leases_before_start(*desired, want, host, name, log);
    if (!leases) return providers::fail(leases.error());
    earlier = std::move(*leases);
    return {};
  };
  if (restart) {
    auto forced = power.shut_down(now, timeout);
    if (!forced) return providers::fail(forced.error());
    if (auto read = read_earlier(); !read) return providers::fail(read.error());
    if (auto started = power.start(want == PowerState::paused); !started) return providers::fail(started.error());
    if (*forced) {
      outcome.warnings.push_back(fmt::format("restarted: the guest did not shut down within {} s and was forced off",
                                             std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
  } else if (want == PowerState::stopped && active) {
    auto forced = power.shut_down(now, timeout);
    if (!forced) return providers::fail(forced.error());
    if (*forced) {
      outcome.warnings.push_back(fmt::format("stopped: the guest did not shut down within {} s and was forced off",
                                             std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
  } else {
    if (now == PowerState::stopped) {
      if (auto read = read_earlier(); !read) return providers::fail(read.error());
    }
    if (auto reached = power.reach(now, want, timeout); !reached) return providers::fail(reached.error());
  }
  // Started here (restarted, or from shut off): as after a create.
  if (want == PowerState::running && (restart || now == PowerState::stopped)) {
    auto waited = wait_for_ip(*desired, host, step, m_timing, std::move(earlier));
    if (!waited) return providers::fail(waited.error());
  }
  return outcome;
}

Result<ActuatorOutcome> DomainActuator::destroy(const ActuatorStep& step, HostSession& host) const {
  const std::string& name = step.desired.id.name;
  StepLog log(step.desired.id);
  DomainPower power(host.virsh(), name, log, m_timing, step.progress);
  auto state = host.virsh().run({"domstate", "--domain", name});
  if (!state) {
    if (state.error().code() == ErrorCode::not_found) return ActuatorOutcome{};  // gone already
    return providers::fail(log.failure("domstate", state.error(), "nothing destroyed"));
  }
  ActuatorOutcome outcome;
  const PowerState now = power_state_from_domstate(*state);
  if (now != PowerState::stopped && step.stop == providers::StopMode::immediate) {
    if (auto off = power.force_off(); !off) return providers::fail(off.error());
  } else if (now != PowerState::stopped) {
    // The timeout the domain was given (its owner metadata, in the observed spec).
    const auto timeout = shutdown_timeout(step.before, m_timing);
    auto forced = power.shut_down(now, timeout);
    if (!forced) return providers::fail(forced.error());
    if (*forced) {
      outcome.warnings.push_back(fmt::format("forced off: the guest did not shut down within {} s",
                                             std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
    }
  }
  // Its volumes are resources of their own: never --remove-all-storage.
  auto undefined = host.virsh().run({"undefine", "--domain", name, "--managed-save", "--snapshots-metadata",
                                   "--checkpoints-metadata", "--nvram"});
  if (!undefined && undefined.error().code() != ErrorCode::not_found) {
    return providers::fail(log.failure("undefine", undefined.error(), "not undefined"));
  }
  return outcome;
}

providers::Result<bool> DomainActuator::exists(const providers::ObjectId& id, providers::HostSession& host) const {
  return providers::existence_from(host.virsh().run({"dominfo", "--domain", id.name}));
}

}  // namespace virtplan::kvm
