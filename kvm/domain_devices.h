#pragma once

// DomainDevices are the consoles and small devices a stack may declare on a
// domain (graphics, video, serial console, tablet, channels, TPM, RNG,
// watchdog, memory balloon, USB controller). Each is one top-level key of the
// canonical spec (DomainSpec), in this form:
//   graphics        false | {"type": "vnc"|"spice", "listen"?: ADDRESS,
//                   "port"?: 5900..65535 (absent: libvirt picks one),
//                   "password"?: TEXT (vnc: at most 8 characters)}
//   video           "virtio" | "qxl" | "vga" | "bochs" | "ramfb" | "cirrus" | "none"
//   serial          false | {"type": "pty", "log"?: "/absolute/path"}: the first
//                   serial port and the console on it
//   tablet          true | false: a USB tablet (an absolute pointer for VNC/SPICE)
//   channels        sorted, unique: "qemu-guest-agent", "spice-vdagent"
//   tpm             false | {"model": "tpm-crb"|"tpm-tis", "version": "2.0"|"1.2"}
//                   (an emulated TPM: swtpm on the host)
//   rng             false | {"model": "virtio", "backend": "/dev/urandom"|
//                   "/dev/random"|"/dev/hwrng"}
//   watchdog        false | {"model": "i6300esb"|"ib700", "action": "reset"|
//                   "shutdown"|"poweroff"|"pause"|"none"|"dump"|"inject-nmi"}
//   memballoon      "virtio" | "none"
//   usb_controller  "qemu-xhci" | "nec-xhci" | "ich9-ehci1" | "piix3-uhci" | "none"
// A key the stack leaves out is not managed: the planner never compares it
// (planner/spec_diff.h) and an update keeps what the domain has of that kind;
// a domain read from libvirt's XML has every key. A stack may write shorter
// forms (`graphics: vnc`, `tpm: true`, `rng: true`, `watchdog: i6300esb`),
// canonical() expands them.

#include "providers/base/diagnostics.h"
#include "providers/base/error.h"
#include "providers/base/yaml_map.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace virtplan::kvm {

struct DomainDevices {
  std::map<std::string, nlohmann::json, std::less<>> declared;  // by key, canonical

  // The keys, in the order the docs list them.
  static std::span<const std::string_view> keys();
  // A stack's value of `key` (YAML read as JSON) in canonical form, or why it is wrong.
  static std::expected<nlohmann::json, std::string> canonical(std::string_view key,
                                                              const nlohmann::json& value);
  // The value a new domain gets when the stack leaves `key` out, null when
  // libvirt decides (its own default device).
  static nlohmann::json new_domain_default(std::string_view key);
  // Whether that default is a device libvirt adds by itself (virtplan writes none).
  static bool libvirt_adds(std::string_view key);

  // Adds the declared keys to a canonical spec.
  void put(nlohmann::json& spec) const;
  // The declared keys of a canonical spec, checked (a message names the key).
  static providers::Result<DomainDevices> from_json(const nlohmann::json& spec);
  // Reads every device key of a stack's domain, reporting bad values where they are.
  static DomainDevices read_yaml(providers::YamlMap& map, providers::Diagnostics& diags,
                                 std::map<std::string, providers::SourceLocation>& locations);
  // The keys `virtplan import` prints: those a new domain would not get by itself.
  void put_stack_yaml(nlohmann::json& out) const;

  const nlohmann::json* find(std::string_view key) const;
};

}  // namespace virtplan::kvm
