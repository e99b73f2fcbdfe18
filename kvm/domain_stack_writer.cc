#include "kvm/domain_stack_writer.h"

#include "kvm/domain_spec.h"
#include "providers/base/stack_size.h"

namespace virtplan::kvm {

using nlohmann::json;
using providers::stack_size;

namespace {

// `vcpus: 2` when there is no room to grow, else {current, max}; memory alike.
json vcpus_yaml(const DomainSpec::Vcpus& vcpus) {
  if (vcpus.current == vcpus.max) return vcpus.current;
  return {{"current", vcpus.current}, {"max", vcpus.max}};
}

json memory_yaml(const DomainSpec::Memory& memory) {
  if (memory.current == memory.max) return stack_size(memory.current);
  return {{"current", stack_size(memory.current)}, {"max", stack_size(memory.max)}};
}

json cpu_yaml(const DomainSpec::Cpu& cpu) {
  json out = json::object();
  if (cpu.mode) out["mode"] = *cpu.mode;
  if (cpu.model) out["model"] = *cpu.model;
  for (const auto& [vcpu, host] : cpu.pin) out["pin"][std::to_string(vcpu)] = host;
  if (cpu.topology) out["topology"] = cpu.topology->to_json();
  if (cpu.features) {
    // Only the lists that have names.
    const json features = cpu.features->to_json();
    for (const auto& item : features.items()) {
      if (!item.value().empty()) out["features"][item.key()] = item.value();
    }
  }
  return out;
}

json disk_yaml(const std::string& target, const DomainSpec::Disk& disk) {
  json out = {{"target", target}};
  if (disk.cdrom) out["cdrom"] = true;
  // The reader's default bus: sata for a CD-ROM, virtio for a disk.
  if (disk.bus != (disk.cdrom ? "sata" : "virtio")) out["bus"] = disk.bus;
  if (disk.volume) out["volume"] = *disk.volume;
  if (disk.pool) out["pool"] = *disk.pool;
  if (disk.format) out["format"] = *disk.format;
  if (disk.cache) out["cache"] = *disk.cache;
  if (!disk.cdrom && disk.readonly) out["readonly"] = true;
  if (disk.shareable) out["shareable"] = true;
  disk.keys.put(out);
  return out;
}

// NIC options in their shortest stack form: `vlan: 42`, `vlan: [10, 20]`.
void nic_options_yaml(const NicOptions& options, json& out) {
  for (const auto& [key, value] : options.declared) {
    json& written = out[key] = value;
    if (key != "vlan" || !value.is_object()) continue;
    const json& tags = value.at("tags");
    const bool trunk = value.at("trunk").get<bool>();
    if (value.contains("native")) {
      written = {{"tags", tags},
                 {"trunk", true},
                 {"native", value.at("native").at("tag")},
                 {"native_mode", value.at("native").at("mode")}};
    } else if (tags.size() == 1 && !trunk) {
      written = tags.at(0);
    } else if (tags.size() > 1) {
      written = tags;
    } else {
      written = {{"tags", tags}, {"trunk", true}};
    }
  }
}

json interface_yaml(const DomainSpec::Interface& nic) {
  json out = json::object();
  if (nic.network) out["network"] = *nic.network;
  if (nic.bridge) out["bridge"] = *nic.bridge;
  if (nic.direct) {
    out["type"] = "direct";
    out["source_dev"] = *nic.direct;
    out["mode"] = nic.mode;
  }
  if (nic.mac) out["mac"] = *nic.mac;
  if (nic.model != "virtio") out["model"] = nic.model;
  if (!nic.link_up) out["link"] = "down";
  nic_options_yaml(nic.options, out);
  return out;
}

void put_scalars(const DomainSpec& spec, json& out) {
  if (spec.machine != "q35") out["machine"] = spec.machine;
  if (spec.arch != "x86_64") out["arch"] = spec.arch;
  if (spec.hugepages) out["hugepages"] = true;
  if (spec.firmware != "bios") out["firmware"] = spec.firmware;
  if (spec.virt_type != "auto") out["virt_type"] = spec.virt_type;
  if (spec.title) out["title"] = *spec.title;
  if (spec.description) out["description"] = *spec.description;
  if (spec.autostart.value_or(false)) out["autostart"] = true;
  if (spec.state.value_or("running") != "running") out["state"] = *spec.state;
  if (spec.restart.value_or("if-needed") != "if-needed") out["restart"] = *spec.restart;
  if (spec.hotplug_slots != 0) out["hotplug_slots"] = spec.hotplug_slots;
  if (spec.shutdown_timeout) out["shutdown_timeout"] = std::to_string(*spec.shutdown_timeout) + "s";
}

}  // namespace

providers::Result<json> domain_to_stack(const providers::Spec& spec) {
  auto typed = DomainSpec::from_json(spec);
  if (!typed) return providers::fail(typed.error());
  json out = json::object();
  put_scalars(*typed, out);
  out["vcpus"] = vcpus_yaml(typed->vcpus);
  out["memory"] = memory_yaml(typed->memory);
  if (typed->cpu) out["cpu"] = cpu_yaml(*typed->cpu);
  if (typed->numa) out["numa"] = {{"nodeset", typed->numa->nodeset}, {"mode", typed->numa->mode}};
  // Lists in the order of their keys (target, MAC): stable output.
  for (const auto& [target, disk] : typed->disks) {
    // The cloud-init seed (a CD-ROM of volume NAME-cidata) is the reader's to
    // add when `cloud_init:` is there; declared too, it would be added twice.
    const bool seed = typed->cloud_init && disk.cdrom && disk.volume && disk.volume->ends_with("-cidata");
    if (!seed) out["disks"].push_back(disk_yaml(target, disk));
  }
  for (const auto& [key, nic] : typed->interfaces) out["interfaces"].push_back(interface_yaml(nic));
  // Host devices, boot and XML patches read the same in a spec and in a
  // stack file: the canonical spec's own JSON is their YAML.
  const json canonical = typed->to_json();
  for (const auto& item : canonical.at("hostdevs").items()) out["hostdevs"].push_back(item.value());
  if (typed->boot) out["boot"] = canonical.at("boot");
  // What a plain `firmware: uefi` domain has anyway is left out.
  if (typed->uefi && (typed->uefi->secure_boot || typed->uefi->loader)) out["uefi"] = typed->uefi->to_json();
  if (typed->cloud_init) out["cloud_init"] = *typed->cloud_init;
  if (typed->security) out["security"] = {{"model", *typed->security}};
  if (!typed->xml.empty()) out["xml"] = canonical.at("xml");
  typed->devices.put_stack_yaml(out);
  return out;
}

}  // namespace virtplan::kvm
