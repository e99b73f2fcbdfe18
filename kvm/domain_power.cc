#include "kvm/domain_power.h"

#include "providers/base/plain_text.h"

#include <fmt/format.h>

#include <thread>

namespace virtplan::kvm {

using providers::Result;
using Clock = std::chrono::steady_clock;

PowerState power_state_from_domstate(std::string_view text) {
  const std::string_view state = providers::trimmed(text);
  if (state == "shut off") return PowerState::stopped;
  if (state == "paused") return PowerState::paused;
  return PowerState::running;
}

std::optional<PowerState> power_state_from_spec(std::string_view text) {
  if (text == "running") return PowerState::running;
  if (text == "stopped") return PowerState::stopped;
  if (text == "paused") return PowerState::paused;
  return std::nullopt;
}

std::string_view power_state_name(PowerState state) {
  switch (state) {
    case PowerState::stopped:
      return "stopped";
    case PowerState::running:
      return "running";
    case PowerState::paused:
      return "paused";
  }
  return "running";
}

Result<bool> wait_until_stopped(const std::function<Result<PowerState>()>& read_state,
                                std::chrono::milliseconds timeout, std::chrono::milliseconds poll,
                                const std::function<void(std::string_view)>& progress) {
  const auto deadline = Clock::now() + timeout;
  auto next_report = Clock::now();
  while (true) {
    auto now = read_state();
    if (!now) return providers::fail(now.error());
    if (*now == PowerState::stopped) return true;
    if (Clock::now() >= deadline) return false;
    if (progress && Clock::now() >= next_report) {
      auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
      progress(fmt::format("waiting for shutdown, {} s left", left.count()));
      next_report = Clock::now() + std::chrono::seconds(5);
    }
    std::this_thread::sleep_for(poll);
  }
}

DomainPower::DomainPower(const providers::VirshRunner& virsh, std::string name, providers::StepLog& log,
                         DomainTiming timing, std::function<void(std::string_view)> progress)
    : m_virsh(virsh),
      m_name(std::move(name)),
      m_log(log),
      m_timing(timing),
      m_progress(std::move(progress)) {}

Result<void> DomainPower::move_to(PowerState target, std::vector<std::string> args, std::string_view not_done,
                                  std::string done) {
  std::string command = args.front();
  auto ran = m_virsh.run(std::move(args));
  if (ran) {
    m_log.done(std::move(done));
    return {};
  }
  // Something else got the domain there between our look and the command: a
  // start that libvirtd finished for an apply killed half-way (the domain
  // read as paused while QEMU was starting up), or a hand at virsh. The state
  // asked for is what the step wanted; any other is the command's failure.
  if (auto now = state(); now && *now == target) {
    m_log.done(fmt::format("already {}", power_state_name(target)));
    return {};
  }
  return providers::fail(m_log.failure(command, ran.error(), not_done));
}

Result<PowerState> DomainPower::state() const {
  auto out = m_virsh.run({"domstate", "--domain", m_name});
  if (!out) return providers::fail(m_log.failure("domstate", out.error()));
  return power_state_from_domstate(*out);
}

Result<void> DomainPower::start(bool paused) {
  std::vector<std::string> args{"start", "--domain", m_name};
  if (paused) args.push_back("--paused");
  return move_to(paused ? PowerState::paused : PowerState::running, std::move(args), "not started",
                 paused ? "started paused" : "started");
}

Result<void> DomainPower::force_off() {
  auto ran = m_virsh.run({"destroy", "--domain", m_name});
  if (ran) {
    m_log.done("forced off");
    return {};
  }
  // Already off (it shut down between our look and the destroy) is what we wanted.
  auto now = state();
  if (now && *now == PowerState::stopped) return {};
  return providers::fail(m_log.failure("destroy", ran.error(), "still running"));
}

Result<bool> DomainPower::shut_down(PowerState from, std::chrono::milliseconds timeout) {
  if (from == PowerState::stopped) return false;
  if (from == PowerState::paused) {
    if (auto resumed =
            move_to(PowerState::running, {"resume", "--domain", m_name}, "not shut down", "resumed");
        !resumed) {
      return providers::fail(resumed.error());
    }
  }
  // A guest that refuses the request (no ACPI) is forced off like one that ignores it.
  auto asked = m_virsh.run({"shutdown", "--domain", m_name});
  if (asked) {
    auto stopped =
        wait_until_stopped([this] { return state(); }, timeout, m_timing.poll_interval, m_progress);
    if (!stopped) return providers::fail(stopped.error());
    if (*stopped) {
      m_log.done("shut down");
      return false;
    }
  }
  if (auto forced = force_off(); !forced) return providers::fail(forced.error());
  return true;
}

Result<void> DomainPower::reach(PowerState from, PowerState to, std::chrono::milliseconds shutdown_timeout) {
  if (from == to) return {};
  switch (to) {
    case PowerState::running:
      if (from == PowerState::paused) {
        return move_to(PowerState::running, {"resume", "--domain", m_name}, "not resumed", "resumed");
      }
      return start(false);
    case PowerState::paused:
      if (from == PowerState::running) {
        return move_to(PowerState::paused, {"suspend", "--domain", m_name}, "not paused", "paused");
      }
      return start(true);
    case PowerState::stopped: {
      auto stopped = shut_down(from, shutdown_timeout);
      if (!stopped) return providers::fail(stopped.error());
      return {};
    }
  }
  return {};
}

}  // namespace virtplan::kvm
