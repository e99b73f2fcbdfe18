#include "kvm/domain_snapshots.h"

#include "providers/base/plain_text.h"
#include "providers/kind/object_id.h"

#include <fmt/format.h>

#include <algorithm>

namespace virtplan::kvm {

using providers::Result;

SnapshotInfo parse_snapshot_info(std::string_view text) {
  SnapshotInfo info;
  for (std::string_view line : providers::lines_of(text)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = providers::trimmed(line.substr(0, colon));
    const std::string value(providers::trimmed(line.substr(colon + 1)));
    if (key == "Name") {
      info.name = value;
    } else if (key == "State") {
      info.state = value;
    } else if (key == "Parent") {
      // virsh prints "-" for a snapshot without a parent.
      info.parent = value == "-" ? "" : value;
    } else if (key == "Current") {
      info.current = value == "yes";
    }
  }
  return info;
}

DomainSnapshots::DomainSnapshots(const providers::VirshRunner& virsh, std::string domain)
    : m_virsh(virsh), m_domain(std::move(domain)) {}

Result<void> DomainSnapshots::run(std::vector<std::string> args, std::string_view what) const {
  auto done = m_virsh.run(std::move(args));
  if (!done) {
    return providers::fail(done.error().code(),
                           fmt::format("domain.{}@{}: {}: {}", m_domain, m_virsh.transport().host_name(),
                                       what, done.error().message()));
  }
  return {};
}

Result<void> DomainSnapshots::create(std::string_view name, std::string_view description) const {
  std::vector<std::string> args{"snapshot-create-as", "--domain", m_domain, "--name", std::string(name)};
  if (!description.empty()) args.insert(args.end(), {"--description", std::string(description)});
  return run(std::move(args), fmt::format("snapshot '{}' not taken", name));
}

Result<void> DomainSnapshots::revert(std::string_view name) const {
  return run({"snapshot-revert", "--domain", m_domain, "--snapshotname", std::string(name)},
             fmt::format("not reverted to snapshot '{}'", name));
}

Result<void> DomainSnapshots::remove(std::string_view name) const {
  return run({"snapshot-delete", "--domain", m_domain, "--snapshotname", std::string(name)},
             fmt::format("snapshot '{}' not deleted", name));
}

Result<std::vector<SnapshotInfo>> DomainSnapshots::list() const {
  const std::string where =
      providers::ObjectId{"domain", m_domain, m_virsh.transport().host_name()}.address();
  auto names = m_virsh.run({"snapshot-list", "--domain", m_domain, "--name"});
  if (!names) {
    return providers::fail(names.error().code(),
                           fmt::format("{}: cannot list snapshots: {}", where, names.error().message()));
  }
  std::vector<std::vector<std::string>> infos;
  for (std::string_view line : providers::lines_of(*names)) {
    const std::string name(providers::trimmed(line));
    if (!name.empty()) {
      infos.push_back({"snapshot-info", "--domain", m_domain, "--snapshotname", name});
    }
  }
  std::vector<SnapshotInfo> snapshots;
  if (infos.empty()) return snapshots;
  auto results = m_virsh.batch(infos);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      return providers::fail(
          results[i].error().code(),
          fmt::format("{}: cannot read snapshot '{}': {}", where, infos[i][4], results[i].error().message()));
    }
    snapshots.push_back(parse_snapshot_info(*results[i]));
  }
  std::ranges::sort(snapshots, {}, &SnapshotInfo::name);
  return snapshots;
}

}  // namespace virtplan::kvm
