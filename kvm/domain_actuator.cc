#include "kvm/domain_actuator.h"

#include "kvm/domain_address_wait.h"
#include "kvm/domain_change_set.h"
#include "kvm/domain_disk_paths.h"
#include "kvm/domain_kind.h"
#include "kvm/domain_live_updater.h"
#include "kvm/domain_migration.h"
#include "kvm/domain_owner.h"
#include "kvm/domain_power.h"
#include "kvm/domain_reconciler.h"
#include "kvm/domain_redefine_dump.h"
#include "kvm/domain_seed_media.h"
#include "kvm/domain_spec.h"
#include "providers/host/host_session.h"
#include "providers/kind/step_log.h"
#include "providers/xml/document.h"

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
  if (spec.is_object() && spec.contains("shutdown_timeout") &&
      spec.at("shutdown_timeout").is_number_integer() &&
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
  for (const DomainAddress& address : *found)
    ips.push_back(fmt::format("{} ({})", address.ip, address.source));
  const auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (step.progress) step.progress(fmt::format("IP address {} after {:.0f} s", fmt::join(ips, ", "), waited));
  return {};
}

// The seed volume is replaced before the domain's step (the domain references
// it): a running domain reads the old file until its media is changed.
bool seed_changed(const std::vector<FieldChange>& fields) {
  return std::any_of(fields.begin(), fields.end(), [](const FieldChange& field) {
    return field.path == std::string("/cloud_init/") + k_seed_sha256;
  });
}

// DomainUpdate is one domain update carried out in the steps
// DomainActuator::update lists (domain_actuator.h), with what they hand
// each other: the power state and the inactive XML read once before the
// changes, the inactive XML read once more after the redefine (libvirt
// assigns MACs and addresses at define, which live attaches need).
class DomainUpdate {
public:
  DomainUpdate(const ActuatorStep& step, HostSession& host, const DomainTiming& timing)
      : m_step(step),
        m_object(step.desired),
        m_name(step.desired.id.name),
        m_host(host),
        m_timing(timing),
        m_log(step.desired.id),
        m_changes(DomainChangeSet::of(step.fields)),
        m_config(step.desired.spec),
        m_updater(host.virsh(), m_name, m_log, timing, step.progress) {}

  // The typed spec, the power state and the inactive XML (one batch).
  Result<void> read_host() {
    auto desired = providers::typed_spec<DomainSpec>(m_object);
    if (!desired) return providers::fail(desired.error());
    m_desired = std::move(*desired);
    auto read = m_host.virsh().batch({{"domstate", "--domain", m_name}, domain_redefine_dump(m_name)});
    if (!read[0]) return providers::fail(m_log.failure("domstate", read[0].error(), "nothing changed"));
    if (!read[1]) return providers::fail(m_log.failure("dumpxml", read[1].error(), "nothing changed"));
    m_now = power_state_from_domstate(*read[0]);
    m_want = m_desired.state ? power_state_from_spec(*m_desired.state).value_or(m_now) : m_now;
    auto inactive = providers::XmlDocument::parse(*read[1], m_object.id.address());
    if (!inactive) return providers::fail(inactive.error().with_context(m_object.id.address()));
    m_inactive_xml = std::move(*read[1]);
    m_owned = owned_by(*inactive, m_object.stack);
    const bool active = m_now != PowerState::stopped;
    m_stays_up = active && m_want != PowerState::stopped;
    m_restart = m_stays_up && !m_changes.restart.empty();
    return {};
  }

  // 1. Restart-class fields of a running domain with `restart: never` are
  // left out of the config, so the plan keeps showing them as pending.
  void hold_back_restart() {
    if (!m_restart || m_desired.restart.value_or("if-needed") != "never") return;
    for (const FieldChange& field : m_changes.restart) restore(m_config, field);
    m_outcome.warnings.push_back("restart pending (restart: never)");
    m_restart = false;
  }

  // 1b. Config-class fields (planned while the domain did not run across
  // the apply) of a domain found up and staying up: writing them would take
  // a restart the plan did not show, so they are left out of the config and
  // the next plan shows them again (as restart).
  void hold_back_config() {
    if (!m_stays_up || m_changes.config_only.empty()) return;
    std::vector<std::string> paths;
    for (const FieldChange& field : m_changes.config_only) {
      restore(m_config, field);
      paths.push_back(field.path);
    }
    m_outcome.warnings.push_back(
        fmt::format("{} pending: planned as config (takes effect at next start) while the domain was not "
                    "running, but it is running now; nothing restarted, plan again",
                    fmt::join(paths, ", ")));
  }

  // A change the plan showed as live must be made live: without a live way
  // for it the step changes nothing (the plan shows it again), and never
  // restarts a domain the plan did not show restarting.
  Result<void> refuse_changes_without_live_way() const {
    if (!live() || m_changes.no_live_way.empty()) return {};
    return providers::fail(m_log.no_live_way(m_changes.no_live_way));
  }

  // 2. Live detaches, confirmed; a device the guest kept stays in the config.
  Result<void> detach_live() {
    if (!live() || m_changes.detach.empty()) return {};
    auto kept = m_updater.detach(m_changes.detach);
    if (!kept) return providers::fail(kept.error());
    for (const auto& detach : *kept) {
      restore(m_config, detach.field);
      m_outcome.warnings.push_back(
          fmt::format("the guest did not release {} within {} s; it stays in the config",
                      detach.device.describe(), seconds(m_timing.detach_timeout)));
    }
    return {};
  }

  // 3. One atomic redefine of the inactive XML through update_xml() (same
  // UUID), also when only the ownership marker is missing.
  Result<void> redefine() {
    if (!m_changes.config && m_owned) return {};
    // Disks by path where their pool's kind allows (kvm/disk_sources.h);
    // asked only when a disk changes or one names its volume by path (then
    // the update must know that disk for the volume it is).
    const DiskSources sources = disks_by_path()
                                    ? read_disk_sources(m_host, disk_volumes({&m_config, &m_step.before}))
                                    : DiskSources();
    auto xml = domain_kind().update_xml(
        m_inactive_xml,
        StackObject{m_object.id, m_config, m_object.stack, m_object.where, m_object.locations}, sources);
    if (!xml)
      return providers::fail(m_log.failure(ErrorCode::invalid, xml.error().message(), "not redefined"));
    if (auto defined = m_host.virsh().run({"define", "/dev/stdin"}, *xml); !defined) {
      return providers::fail(m_log.failure("define", defined.error(), "not redefined"));
    }
    m_log.done("redefined");
    m_redefined = true;
    return {};
  }

  bool disks_by_path() const {
    const bool disk_changed =
        std::any_of(m_step.fields.begin(), m_step.fields.end(),
                    [](const FieldChange& field) { return field.path.starts_with("/disks"); });
    return disk_changed || m_inactive_xml.find("<disk type='file'") != std::string::npos ||
           m_inactive_xml.find("<disk type='block'") != std::string::npos;
  }

  // 4. The other live fields on the running domain, from the new config. A
  // failure puts the config back as it was, so the change stays pending.
  Result<void> apply_live() {
    if (!live() || !m_changes.any_live_after_define()) return {};
    auto config = config_xml("the running domain not updated");
    if (!config) return providers::fail(config.error());
    auto applied = m_updater.apply(m_changes, m_desired, **config);
    if (!applied) return providers::fail(put_config_back(applied.error()));
    return {};
  }

  // 5. A replaced cloud-init seed on a domain that stays up: its CD-ROM
  // media swapped live, also before a restart (a guest that reboots itself
  // later reads it too).
  Result<void> swap_seed_media() {
    if (!m_stays_up || !seed_changed(m_step.fields)) return {};
    auto config = config_xml("the seed CD-ROM not swapped");
    if (!config) return providers::fail(config.error());
    auto swapped = kvm::swap_seed_media(m_host.virsh(), m_name, **config, m_log);
    if (!swapped) return providers::fail(swapped.error());
    if (*swapped && !m_restart) {
      m_outcome.warnings.push_back(
          fmt::format("new cloud-init seed on CD-ROM {}: the guest reads it at its next boot", **swapped));
    }
    return {};
  }

  // 6. Autostart.
  Result<void> set_autostart() {
    if (!m_changes.autostart || !m_desired.autostart) return {};
    return kvm::set_autostart(m_host, m_name, *m_desired.autostart, m_log, "");
  }

  // 7. One restart for all restart-class fields, or the power state the
  // spec asks; a domain started here waits for its IP address as after a
  // create.
  Result<void> reach_power() {
    DomainPower power(m_host.virsh(), m_name, m_log, m_timing, m_step.progress);
    const auto timeout = shutdown_timeout(m_object.spec, m_timing);
    Result<void> done;
    if (m_restart) {
      done = restart(power, timeout);
    } else if (m_want == PowerState::stopped && m_now != PowerState::stopped) {
      done = stop(power, timeout);
    } else {
      done = reach(power, timeout);
    }
    if (!done) return done;
    // Started here (restarted, or from shut off): as after a create.
    if (m_want != PowerState::running || (!m_restart && m_now != PowerState::stopped)) return {};
    return wait_for_ip(m_desired, m_host, m_step, m_timing, std::move(m_earlier_leases));
  }

  ActuatorOutcome outcome() { return std::move(m_outcome); }

private:
  bool live() const { return m_stays_up && !m_restart; }

  static long long seconds(std::chrono::milliseconds duration) {
    return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  }

  // The inactive XML as the host has it now: the one read first, or after
  // a redefine the new one, read once.
  Result<const providers::XmlDocument*> config_xml(std::string_view not_done) {
    if (m_config_document) return &*m_config_document;
    std::string text = m_inactive_xml;
    if (m_redefined) {
      auto current = m_host.virsh().run(domain_redefine_dump(m_name));
      if (!current) return providers::fail(m_log.failure("dumpxml", current.error(), not_done));
      text = std::move(*current);
    }
    auto document = providers::XmlDocument::parse(text, m_object.id.address());
    if (!document) return providers::fail(document.error().with_context(m_object.id.address()));
    m_config_document = std::move(*document);
    return &*m_config_document;
  }

  // After a live change failed: the config as it was before this step, so
  // the next plan shows the change again instead of a config that no
  // longer differs from the stack while the running domain does.
  providers::Error put_config_back(const providers::Error& failure) {
    if (!m_redefined) return failure;
    auto defined = m_host.virsh().run({"define", "/dev/stdin"}, m_inactive_xml);
    if (!defined) return failure;
    return providers::Error(failure.code(),
                            failure.message() + "; the config was put back, the change stays pending");
  }

  // The DHCP leases to ignore when waiting for an address, read while the
  // domain is off (after the shutdown of a restart): a guest still running
  // could renew its lease after the reading.
  Result<void> read_earlier_leases() {
    auto leases = leases_before_start(m_desired, m_want, m_host, m_name, m_log);
    if (!leases) return providers::fail(leases.error());
    m_earlier_leases = std::move(*leases);
    return {};
  }

  Result<void> restart(DomainPower& power, std::chrono::milliseconds timeout) {
    auto forced = power.shut_down(m_now, timeout);
    if (!forced) return providers::fail(forced.error());
    if (auto read = read_earlier_leases(); !read) return read;
    if (auto started = power.start(m_want == PowerState::paused); !started)
      return providers::fail(started.error());
    if (*forced) {
      m_outcome.warnings.push_back(fmt::format(
          "restarted: the guest did not shut down within {} s and was forced off", seconds(timeout)));
    }
    return {};
  }

  Result<void> stop(DomainPower& power, std::chrono::milliseconds timeout) {
    auto forced = power.shut_down(m_now, timeout);
    if (!forced) return providers::fail(forced.error());
    if (*forced) {
      m_outcome.warnings.push_back(fmt::format(
          "stopped: the guest did not shut down within {} s and was forced off", seconds(timeout)));
    }
    return {};
  }

  Result<void> reach(DomainPower& power, std::chrono::milliseconds timeout) {
    if (m_now == PowerState::stopped) {
      if (auto read = read_earlier_leases(); !read) return read;
    }
    if (auto reached = power.reach(m_now, m_want, timeout); !reached) return providers::fail(reached.error());
    return {};
  }

  const ActuatorStep& m_step;
  const StackObject& m_object;
  const std::string& m_name;
  HostSession& m_host;
  const DomainTiming& m_timing;
  StepLog m_log;
  const DomainChangeSet m_changes;
  json m_config;  // the spec the redefine writes: the desired one, less what is held back
  DomainLiveUpdater m_updater;
  DomainSpec m_desired;
  PowerState m_now = PowerState::stopped;
  PowerState m_want = PowerState::stopped;
  std::string m_inactive_xml;  // as read before any change
  bool m_owned = true;
  bool m_stays_up = false;
  bool m_restart = false;
  bool m_redefined = false;
  std::optional<providers::XmlDocument> m_config_document;
  std::vector<DhcpLease> m_earlier_leases;
  ActuatorOutcome m_outcome;
};

}  // namespace

Result<ActuatorOutcome> DomainActuator::create(const ActuatorStep& step, HostSession& host) const {
  const StackObject& object = step.desired;
  const std::string& name = object.id.name;
  StepLog log(object.id);
  auto spec = with_virt_type(object.spec, host, log);
  if (!spec) return providers::fail(spec.error());
  auto desired = providers::typed_spec<DomainSpec>(
      StackObject{object.id, *spec, object.stack, object.where, object.locations});
  if (!desired) return providers::fail(desired.error());
  // Disks by path where their pool's kind allows (kvm/disk_sources.h).
  const DiskSources sources = read_disk_sources(host, disk_volumes({&*spec}));
  auto xml = domain_kind().create_xml(
      StackObject{object.id, *spec, object.stack, object.where, object.locations}, sources);
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
    if (auto started = power.start(want == PowerState::paused); !started)
      return providers::fail(started.error());
    if (want == PowerState::running) {
      auto waited = wait_for_ip(*desired, host, step, m_timing, std::move(*earlier));
      if (!waited) return providers::fail(waited.error());
    }
  }
  return ActuatorOutcome{};
}

Result<ActuatorOutcome> DomainActuator::update(const ActuatorStep& step, HostSession& host) const {
  // The steps domain_actuator.h lists, in its order.
  DomainUpdate update(step, host, m_timing);
  if (auto r = update.read_host(); !r) return providers::fail(r.error());
  update.hold_back_restart();
  update.hold_back_config();
  if (auto r = update.refuse_changes_without_live_way(); !r) return providers::fail(r.error());
  if (auto r = update.detach_live(); !r) return providers::fail(r.error());
  if (auto r = update.redefine(); !r) return providers::fail(r.error());
  if (auto r = update.apply_live(); !r) return providers::fail(r.error());
  if (auto r = update.swap_seed_media(); !r) return providers::fail(r.error());
  if (auto r = update.set_autostart(); !r) return providers::fail(r.error());
  if (auto r = update.reach_power(); !r) return providers::fail(r.error());
  return update.outcome();
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
      outcome.warnings.push_back(
          fmt::format("forced off: the guest did not shut down within {} s",
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

void DomainActuator::prepare(providers::HostSession& host) const { host.run_aside({"domcapabilities"}); }

providers::Result<bool> DomainActuator::exists(const providers::ObjectId& id,
                                               providers::HostSession& host) const {
  return providers::existence_from(host.virsh().run({"dominfo", "--domain", id.name}));
}

providers::Result<providers::ActuatorOutcome> DomainActuator::migrate(const providers::MigrationStep& step,
                                                                      providers::MigrationPart part,
                                                                      providers::HostSession& from,
                                                                      providers::HostSession& to) const {
  return migrate_domain(step, part, from, to);
}

}  // namespace virtplan::kvm
