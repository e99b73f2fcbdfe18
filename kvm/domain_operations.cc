#include "kvm/domain_operations.h"

#include "kvm/domain_power.h"
#include "providers/base/plain_text.h"
#include "providers/kind/object_id.h"
#include "providers/virsh/label_table.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;

namespace {

constexpr auto k_poll = std::chrono::milliseconds(500);

}  // namespace

DomainOperations::DomainOperations(const providers::VirshRunner& virsh, std::string domain)
    : m_virsh(virsh), m_domain(std::move(domain)) {}

std::string DomainOperations::where() const {
  return providers::ObjectId{"domain", m_domain, m_virsh.transport().host_name()}.address();
}

Result<void> DomainOperations::run(std::vector<std::string> args, std::string_view not_done) const {
  auto done = m_virsh.run(std::move(args));
  if (!done) {
    return providers::fail(done.error().code(),
                           fmt::format("{}: {}: {}", where(), not_done, done.error().message()));
  }
  return {};
}

Result<std::string> DomainOperations::state() const {
  auto out = m_virsh.run({"domstate", "--domain", m_domain});
  if (!out) {
    return providers::fail(out.error().code(),
                           fmt::format("{}: cannot read its state: {}", where(), out.error().message()));
  }
  return std::string(providers::first_line(*out));
}

Result<void> DomainOperations::start() const { return run({"start", "--domain", m_domain}, "not started"); }

Result<bool> DomainOperations::shutdown(std::chrono::milliseconds timeout, bool force) const {
  if (auto asked = run({"shutdown", "--domain", m_domain}, "not shut down"); !asked) {
    return providers::fail(asked.error());
  }
  auto stopped = wait_until_stopped(
      [this]() -> Result<PowerState> {
        auto now = state();
        if (!now) return providers::fail(now.error());
        return power_state_from_domstate(*now);
      },
      timeout, k_poll);
  if (!stopped) return providers::fail(stopped.error());
  if (*stopped) return false;
  if (!force) {
    return providers::fail(
        ErrorCode::timeout,
        fmt::format("{}: asked to shut down, but still running after {} s; not forced off "
                    "(add --force to force it off after the timeout)",
                    where(), std::chrono::duration_cast<std::chrono::seconds>(timeout).count()));
  }
  if (auto forced =
          run({"destroy", "--domain", m_domain}, "asked to shut down and did not; forcing it off failed");
      !forced) {
    return providers::fail(forced.error());
  }
  return true;
}

Result<void> DomainOperations::reboot() const {
  return run({"reboot", "--domain", m_domain}, "not rebooted");
}

Result<void> DomainOperations::destroy() const {
  return run({"destroy", "--domain", m_domain}, "not forced off");
}

Result<void> DomainOperations::suspend() const {
  return run({"suspend", "--domain", m_domain}, "not suspended");
}

Result<void> DomainOperations::resume() const { return run({"resume", "--domain", m_domain}, "not resumed"); }

Result<void> DomainOperations::save() const {
  return run({"managedsave", "--domain", m_domain}, "not saved");
}

Result<void> DomainOperations::restore() const {
  // `start` would quietly boot afresh without an image: look first.
  auto info = m_virsh.run({"dominfo", "--domain", m_domain});
  if (!info) {
    return providers::fail(info.error().code(),
                           fmt::format("{}: not restored: {}", where(), info.error().message()));
  }
  if (providers::table_text(*info, "Managed save:") != "yes") {
    return providers::fail(ErrorCode::not_found,
                           fmt::format("{}: not restored: it has no managed save image (save it "
                                       "first with `virtplan domain save`)",
                                       where()));
  }
  return run({"start", "--domain", m_domain}, "not restored from its managed save image");
}

}  // namespace virtplan::kvm
