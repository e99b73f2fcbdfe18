#pragma once

// DomainPower moves one domain between the power states a stack can ask for
// (running, stopped, paused) with virsh, and reads which one it is in.
//
// Stopping is graceful first: `shutdown`, then up to a timeout of waiting for
// the guest to power off (a guest without an OS, or one that ignores ACPI,
// never does: libvirt-facts.md), then `destroy` (forced off). A paused domain
// is resumed before it is asked to shut down, since a paused guest cannot
// answer. Failures are reported through the step's log, so they say what the
// step had already done.

#include "kvm/domain_timing.h"
#include "providers/base/error.h"
#include "providers/kind/step_log.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::kvm {

enum class PowerState { stopped, running, paused };

// From `virsh domstate`: "shut off" is stopped, "paused" is paused, every
// other state (running, idle, in shutdown, pmsuspended, and crashed, which
// libvirt shows only while it keeps the crashed guest's QEMU for
// `on_crash: preserve`) has a live QEMU and counts as running: `start`
// would be refused, and stopping it takes a shutdown or a destroy. The
// domain reader's states follow this rule too, so plan and apply agree.
PowerState power_state_from_domstate(std::string_view text);
// From a spec's `state`; nullopt for anything else.
std::optional<PowerState> power_state_from_spec(std::string_view text);
std::string_view power_state_name(PowerState state);

// Waits for a domain that was asked to shut down to be off: reads its state
// with `read_state` every `poll` until it is stopped (true) or `timeout`
// passes (false). `progress`, when set, hears how long is left every 5 s.
// Both the apply (DomainPower) and `virtplan domain shutdown` wait this way.
providers::Result<bool> wait_until_stopped(const std::function<providers::Result<PowerState>()>& read_state,
                                           std::chrono::milliseconds timeout, std::chrono::milliseconds poll,
                                           const std::function<void(std::string_view)>& progress = {});

class DomainPower {
public:
  DomainPower(const providers::VirshRunner& virsh, std::string name, providers::StepLog& log,
              DomainTiming timing, std::function<void(std::string_view)> progress = {});

  providers::Result<PowerState> state() const;

  // From `from` (what state() said) to `to`: start (--paused), resume,
  // suspend, or a shutdown as above. A start, resume or suspend that fails
  // because the domain got to `to` meanwhile is done: a domain starting
  // up reads as paused, so a rerun after an apply killed mid-start asks to
  // resume a domain libvirtd is about to run.
  providers::Result<void> reach(PowerState from, PowerState to, std::chrono::milliseconds shutdown_timeout);

  // Graceful shutdown, forced after `timeout`. Returns true when it had to
  // force the domain off.
  providers::Result<bool> shut_down(PowerState from, std::chrono::milliseconds timeout);
  providers::Result<void> start(bool paused);
  // Forced off at once (`virsh destroy`); a domain already off is fine.
  providers::Result<void> force_off();

private:
  // Runs `args` (start, resume, suspend) to bring the domain to `target`;
  // when it fails but the domain is in `target` anyway, the step is done.
  providers::Result<void> move_to(PowerState target, std::vector<std::string> args, std::string_view not_done,
                                  std::string done);

  const providers::VirshRunner& m_virsh;
  std::string m_name;
  providers::StepLog& m_log;
  DomainTiming m_timing;
  std::function<void(std::string_view)> m_progress;
};

}  // namespace virtplan::kvm
