#include "kvm/domain_live_updater.h"

#include "kvm/disk_keys.h"
#include "kvm/domain_devices_xml.h"
#include "kvm/domain_owner.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;
using providers::XmlDocument;
using Clock = std::chrono::steady_clock;

DomainLiveUpdater::DomainLiveUpdater(const providers::VirshRunner& virsh, std::string name,
                                     providers::StepLog& log, DomainTiming timing,
                                     std::function<void(std::string_view)> progress)
    : m_virsh(virsh),
      m_name(std::move(name)),
      m_log(log),
      m_timing(timing),
      m_progress(std::move(progress)) {}

Result<XmlDocument> DomainLiveUpdater::live_xml() const {
  auto xml = m_virsh.run({"dumpxml", "--domain", m_name});
  if (!xml) return providers::fail(m_log.failure("dumpxml", xml.error()));
  auto document = XmlDocument::parse(*xml, m_log.id().address());
  if (!document) return providers::fail(document.error().with_context(m_log.id().address()));
  return document;
}

Result<void> DomainLiveUpdater::run(std::vector<std::string> args, std::string done,
                                    std::optional<std::string> stdin_data) {
  std::string command = args.front();
  auto ran = m_virsh.run(std::move(args), std::move(stdin_data));
  if (!ran)
    return providers::fail(m_log.failure(command, ran.error(), "the running domain not fully updated"));
  m_log.done(std::move(done));
  return {};
}

Result<void> DomainLiveUpdater::device_command(const char* command, const DomainDeviceRef& device,
                                               const XmlDocument& from, std::string done) {
  auto element = device.find(from);
  if (!element) {
    return providers::fail(m_log.failure(ErrorCode::other,
                                         fmt::format("{} is not in the domain's XML", device.describe()),
                                         "the running domain not fully updated"));
  }
  return run({command, "--domain", m_name, "--file", "/dev/stdin", "--live"}, std::move(done),
             element->to_string());
}

// libvirt keeps one element per namespace in <metadata>: `virsh metadata
// --set` replaces the running domain's owner element with the config's whole
// (read and written again, without its namespace: DomainOwner).
Result<void> DomainLiveUpdater::set_metadata(const XmlDocument& config) {
  const auto& ns = DomainOwner::xml_namespace();
  auto owner = DomainOwner::read(config.root());
  if (!owner) {
    return providers::fail(m_log.failure(ErrorCode::other, "the owner metadata is not in the domain's XML",
                                         "the running domain not fully updated"));
  }
  // The element holds cloud-init's data (user-data: passwords, keys): it
  // goes to virsh on standard input, never on a command line.
  auto set = m_virsh.run_secret({"metadata", "--domain", m_name, "--uri", ns.uri, "--key", ns.prefix, "--set",
                                 owner->unqualified_xml(), "--live"});
  if (!set)
    return providers::fail(m_log.failure("metadata", set.error(), "the running domain not fully updated"));
  m_log.done("metadata set live");
  return {};
}

namespace {

// domiftune's rate: "average,peak,burst[,floor]" (empty fields left to
// libvirt); "0" clears the direction.
std::string iftune_rate(const nlohmann::json& bandwidth, const char* direction) {
  if (!bandwidth.is_object() || !bandwidth.contains(direction)) return "0";
  const nlohmann::json& rate = bandwidth.at(direction);
  auto field = [&](const char* key) {
    return rate.contains(key) ? std::to_string(rate.at(key).get<long long>()) : "";
  };
  std::string out = fmt::format("{},{},{}", field("average"), field("peak"), field("burst"));
  if (rate.contains("floor")) out += "," + field("floor");
  return out;
}

}  // namespace

// A NIC's bandwidth as the new config has it (both directions: one left out
// of domiftune would keep its old limit).
Result<void> DomainLiveUpdater::set_bandwidth(const std::string& mac, const XmlDocument& config) {
  const DomainDeviceRef nic{DomainDeviceRef::Type::interface, mac};
  auto element = nic.find(config);
  if (!element) {
    return providers::fail(m_log.failure(ErrorCode::other,
                                         fmt::format("{} is not in the domain's XML", nic.describe()),
                                         "the running domain not fully updated"));
  }
  const NicOptions options = NicOptions::read_xml(*element);
  const nlohmann::json* bandwidth = options.find("bandwidth");
  const nlohmann::json none = false;
  const nlohmann::json& limits = bandwidth ? *bandwidth : none;
  return run({"domiftune", "--domain", m_name, "--interface", mac, "--inbound",
              iftune_rate(limits, "inbound"), "--outbound", iftune_rate(limits, "outbound"), "--live"},
             nic.describe() + " bandwidth set live");
}

Result<std::vector<DomainChangeSet::Detach>> DomainLiveUpdater::detach(
    const std::vector<DomainChangeSet::Detach>& devices) {
  std::vector<DomainChangeSet::Detach> kept;
  if (devices.empty()) return kept;
  auto live = live_xml();
  if (!live) return providers::fail(live.error());
  std::vector<const DomainChangeSet::Detach*> waiting;
  for (const auto& detach : devices) {
    if (!detach.device.find(*live)) continue;  // gone already (an earlier apply's request)
    auto sent =
        device_command("detach-device", detach.device, *live, detach.device.describe() + " detach requested");
    if (!sent) return providers::fail(sent.error());
    waiting.push_back(&detach);
  }
  const auto deadline = Clock::now() + m_timing.detach_timeout;
  while (!waiting.empty()) {
    auto now = live_xml();
    if (!now) return providers::fail(now.error());
    std::erase_if(waiting, [&](const DomainChangeSet::Detach* d) { return !d->device.find(*now); });
    if (waiting.empty() || Clock::now() >= deadline) break;
    if (m_progress)
      m_progress(fmt::format("waiting for the guest to release {}", waiting.front()->device.describe()));
    std::this_thread::sleep_for(m_timing.poll_interval);
  }
  for (const auto* detach : waiting) kept.push_back(*detach);
  return kept;
}

// Every limit is given, 0 for those the spec leaves out (no limit): libvirt
// keeps a limit it is not given, and one total and its read/write limits
// cannot both be set.
Result<void> DomainLiveUpdater::set_iotune(const std::string& target, const DomainSpec& desired) {
  auto disk = desired.disks.find(target);
  if (disk == desired.disks.end()) return {};  // detached: nothing to limit
  const nlohmann::json limits = disk->second.keys.declared.value("iotune", nlohmann::json::object());
  std::vector<std::string> args{"blkdeviotune", "--domain", m_name, "--device", target, "--live"};
  for (std::string_view key : DiskKeys::iotune_keys()) {
    std::string option = "--" + std::string(key);
    std::replace(option.begin(), option.end(), '_', '-');
    args.push_back(option);
    args.push_back(std::to_string(limits.value(std::string(key), std::uint64_t{0})));
  }
  return run(std::move(args), fmt::format("disk {} I/O limits set live", target));
}

Result<void> DomainLiveUpdater::apply(const DomainChangeSet& changes, const DomainSpec& desired,
                                      const XmlDocument& config) {
  if (changes.vcpus) {
    auto count = std::to_string(desired.vcpus.current);
    if (auto r = run({"setvcpus", "--domain", m_name, "--count", count, "--live"}, "vCPUs set live"); !r)
      return r;
  }
  if (changes.memory) {
    auto kib = std::to_string(desired.memory.current / 1024);
    if (auto r = run({"setmem", "--domain", m_name, "--size", kib, "--live"}, "memory set live"); !r)
      return r;
  }
  if (changes.title) {
    if (auto r =
            run({"desc", "--domain", m_name, "--live", "--title", "--new-desc", desired.title.value_or("")},
                "title set live");
        !r) {
      return r;
    }
  }
  if (changes.description) {
    if (auto r = run({"desc", "--domain", m_name, "--live", "--new-desc", desired.description.value_or("")},
                     "description set live");
        !r) {
      return r;
    }
  }
  if (changes.metadata) {
    if (auto r = set_metadata(config); !r) return r;
  }
  for (const std::string& mac : changes.iftune) {
    if (auto r = set_bandwidth(mac, config); !r) return r;
  }
  for (const std::string& target : changes.iotune) {
    if (auto r = set_iotune(target, desired); !r) return r;
  }
  if (changes.update.empty() && changes.attach.empty() && !changes.attach_nics) return {};
  auto live = live_xml();
  if (!live) return providers::fail(live.error());
  for (const auto& device : changes.update) {
    if (!device.find(*live)) continue;  // not in the running domain: nothing to change there
    // A console's password: from the running console (update-device refuses
    // any other difference, and the config read lacks passwd).
    std::optional<XmlDocument> console;
    if (device.type == DomainDeviceRef::Type::graphics) {
      console = live->copy();
      DomainDevicesXml::set_password(console->root().ensure_child("devices"), desired.devices);
    }
    if (auto r = device_command("update-device", device, console ? *console : config,
                                device.describe() + " updated live");
        !r)
      return r;
  }
  std::vector<DomainDeviceRef> attach;
  for (const auto& device : changes.attach) {
    if (!device.find(*live)) attach.push_back(device);
  }
  if (changes.attach_nics) {
    auto running = DomainDeviceRef::keys(*live, DomainDeviceRef::Type::interface);
    for (const auto& mac : DomainDeviceRef::keys(config, DomainDeviceRef::Type::interface)) {
      if (!running.contains(mac)) attach.push_back({DomainDeviceRef::Type::interface, mac});
    }
  }
  for (const auto& device : attach) {
    if (auto r = device_command("attach-device", device, config, device.describe() + " attached live"); !r)
      return r;
  }
  if (attach.empty()) return {};
  auto after = live_xml();
  if (!after) return providers::fail(after.error());
  for (const auto& device : attach) {
    if (!device.find(*after)) {
      return providers::fail(
          m_log.failure(ErrorCode::other, fmt::format("attach-device succeeded but the running domain does "
                                                      "not show {}",
                                                      device.describe())));
    }
  }
  return {};
}

}  // namespace virtplan::kvm
