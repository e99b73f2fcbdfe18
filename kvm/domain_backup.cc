#include "kvm/domain_backup.h"

#include "providers/kind/object_id.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

#include <thread>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_backup_poll = std::chrono::milliseconds(300);

// The value of `Key:   value` in virsh's domjobinfo output; empty when absent.
std::string field(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    return std::string(line);
  }
  return {};
}

}  // namespace

DomainBackup::DomainBackup(const providers::VirshRunner& virsh, std::string domain)
    : m_virsh(virsh), m_domain(std::move(domain)) {}

std::string DomainBackup::where() const {
  return providers::ObjectId{"domain", m_domain, m_virsh.transport().host_name()}.address();
}

std::string DomainBackup::backup_xml(std::string_view target, std::string_view file) {
  auto doc = providers::XmlDocument::create("domainbackup");
  auto disk = doc.root().add_child("disks").add_child("disk");
  disk.set_attr("name", target);
  disk.set_attr("type", "file");
  disk.add_child("target").set_attr("file", file);
  disk.add_child("driver").set_attr("type", "qcow2");
  return doc.to_string();
}

Result<void> DomainBackup::push(std::string_view target, std::string_view file,
                                std::chrono::milliseconds timeout) const {
  auto begun = m_virsh.run({"backup-begin", "--domain", m_domain, "--backupxml", "/dev/stdin"},
                           backup_xml(target, file));
  if (!begun) {
    return providers::fail(begun.error().code(), fmt::format("{}: backup of {} not started: {}", where(),
                                                             target, begun.error().message()));
  }
  const auto deadline = Clock::now() + timeout;
  while (true) {
    auto job = m_virsh.run({"domjobinfo", "--domain", m_domain});
    if (!job) {
      return providers::fail(job.error().code(), fmt::format("{}: backup of {} started; cannot follow it: {}",
                                                             where(), target, job.error().message()));
    }
    if (field(*job, "Job type") == "None") break;
    if (Clock::now() >= deadline) {
      return providers::fail(
          ErrorCode::timeout,
          fmt::format("{}: backup of {} to {} still running after {} s; left running "
                      "(`virsh domjobabort {}` stops it)",
                      where(), target, file,
                      std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), m_domain));
    }
    std::this_thread::sleep_for(k_backup_poll);
  }
  auto done = m_virsh.run({"domjobinfo", "--domain", m_domain, "--completed"});
  if (!done) {
    return providers::fail(done.error().code(), fmt::format("{}: backup of {} ended; cannot read how: {}",
                                                            where(), target, done.error().message()));
  }
  const std::string outcome = field(*done, "Job type");
  if (outcome != "Completed") {
    return providers::fail(ErrorCode::other,
                           fmt::format("{}: backup of {} to {} did not complete: job {}", where(), target,
                                       file, outcome.empty() ? "unknown" : outcome));
  }
  return {};
}

}  // namespace virtplan::kvm
