#include "kvm/domain_devices.h"

#include "kvm/domain_yaml_reader.h"
#include "kvm/spec_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <arpa/inet.h>
#include <algorithm>
#include <array>
#include <set>
#include <vector>

namespace virtplan::kvm {

using nlohmann::json;
using providers::ErrorCode;
using providers::Result;

namespace {

using Canonical = std::expected<json, std::string>;

Canonical one_of(const json& value, const std::vector<std::string>& allowed, std::string_view what) {
  if (!value.is_string()) return wrong(fmt::format("{}: expected one of {}", what, fmt::join(allowed, ", ")));
  const std::string text = value.get<std::string>();
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
    return wrong(fmt::format("{}: expected one of {}, got '{}'", what, fmt::join(allowed, ", "), text));
  return text;
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// An object form with defaults: `true` is the defaults, `false` no device,
// a string the first key's value.
Canonical object_form(const json& value, const json& defaults, const char* first, std::string_view what) {
  if (value.is_boolean()) return value.get<bool>() ? defaults : json(false);
  json out = defaults;
  if (value.is_string()) {
    out[first] = value;
    return out;
  }
  if (!value.is_object()) return wrong(fmt::format("{}: expected true, false, a {} or a map", what, first));
  std::set<std::string> known;
  for (const auto& item : defaults.items()) known.insert(item.key());
  if (auto bad = unknown_key(value, known, what)) return wrong(*bad);
  out.update(value);
  return out;
}

Canonical graphics(const json& value) {
  if (value.is_boolean() && !value.get<bool>()) return json(false);
  json in = value.is_string() ? json{{"type", value}} : value;
  if (!in.is_object()) return wrong("graphics: expected false, vnc, spice or a map with type");
  if (auto bad = unknown_key(in, {"type", "listen", "port", "password"}, "graphics")) return wrong(*bad);
  if (!in.contains("type")) return wrong("graphics: type is required (vnc or spice)");
  auto type = one_of(in.at("type"), {"vnc", "spice"}, "graphics type");
  if (!type) return type;
  json out = {{"type", *type}};
  if (in.contains("listen")) {
    const json& listen = in.at("listen");
    if (!listen.is_string() || !is_ip_address(listen.get<std::string>()))
      return wrong(fmt::format("graphics listen '{}': expected an IP address (127.0.0.1, 0.0.0.0, ::)",
                               listen.is_string() ? listen.get<std::string>() : listen.dump()));
    out["listen"] = listen;
  }
  if (in.contains("port") && in.at("port") != "auto") {
    const json& port = in.at("port");
    if (!port.is_number_integer() || port.get<long long>() < 5900 || port.get<long long>() > 65535)
      return wrong(fmt::format("graphics port {}: expected auto or a port from 5900 to 65535", port.dump()));
    out["port"] = port;
  }
  if (in.contains("password")) {
    const json& password = in.at("password");
    if (!password.is_string() || password.get<std::string>().empty())
      return wrong("graphics password: expected a non-empty string");
    // QEMU's VNC authentication uses the first 8 bytes only: a longer one
    // would look stronger than it is.
    if (*type == "vnc" && password.get<std::string>().size() > 8)
      return wrong("graphics password: VNC uses at most 8 characters (QEMU ignores the rest)");
    out["password"] = password;
  }
  return out;
}

Canonical serial(const json& value) {
  if (value.is_boolean() && !value.get<bool>()) return json(false);
  json in = value.is_string() || value.is_boolean() ? json{{"type", value.is_string() ? value : json("pty")}}
                                                    : value;
  if (!in.is_object()) return wrong("serial: expected false, pty or a map with log");
  if (auto bad = unknown_key(in, {"type", "log"}, "serial")) return wrong(*bad);
  auto type = one_of(in.value("type", json("pty")), {"pty"}, "serial type");
  if (!type) return type;
  json out = {{"type", *type}};
  if (in.contains("log")) {
    const json& log = in.at("log");
    if (!log.is_string() || !log.get<std::string>().starts_with("/"))
      return wrong("serial log: expected an absolute path of a file on the host");
    out["log"] = log;
  }
  return out;
}

Canonical channels(const json& value) {
  if (!value.is_array()) return wrong("channels: expected a list (qemu-guest-agent, spice-vdagent)");
  std::set<std::string> names;
  for (const json& item : value) {
    auto name = one_of(item, {"qemu-guest-agent", "spice-vdagent"}, "channels");
    if (!name) return name;
    names.insert(name->get<std::string>());
  }
  return json(std::vector<std::string>(names.begin(), names.end()));
}

Canonical tpm(const json& value) {
  auto out = object_form(value, {{"model", "tpm-crb"}, {"version", "2.0"}}, "model", "tpm");
  if (!out || out->is_boolean()) return out;
  if (auto model = one_of(out->at("model"), {"tpm-crb", "tpm-tis"}, "tpm model"); !model) return model;
  if (auto version = one_of(out->at("version"), {"2.0", "1.2"}, "tpm version"); !version) return version;
  // QEMU's CRB interface exists for TPM 2.0 only.
  if (out->at("model") == "tpm-crb" && out->at("version") == "1.2")
    return wrong("tpm: model tpm-crb needs version 2.0 (use tpm-tis for 1.2)");
  return out;
}

Canonical rng(const json& value) {
  auto out = object_form(value, {{"model", "virtio"}, {"backend", "/dev/urandom"}}, "model", "rng");
  if (!out || out->is_boolean()) return out;
  if (auto model = one_of(out->at("model"), {"virtio"}, "rng model"); !model) return model;
  if (auto backend = one_of(out->at("backend"), {"/dev/urandom", "/dev/random", "/dev/hwrng"}, "rng backend");
      !backend)
    return backend;
  return out;
}

Canonical watchdog(const json& value) {
  auto out = object_form(value, {{"model", "i6300esb"}, {"action", "reset"}}, "model", "watchdog");
  if (!out || out->is_boolean()) return out;
  // libvirt 9.0 refuses itco ("unknown watchdog model"): it came in 9.1.
  if (auto model = one_of(out->at("model"), {"i6300esb", "ib700"}, "watchdog model"); !model) return model;
  if (auto action =
          one_of(out->at("action"), {"reset", "shutdown", "poweroff", "pause", "none", "dump", "inject-nmi"},
                 "watchdog action");
      !action)
    return action;
  return out;
}

Canonical tablet(const json& value) {
  if (!value.is_boolean()) return wrong("tablet: expected true or false");
  return value;
}

Canonical video(const json& value) {
  return one_of(value, {"virtio", "qxl", "vga", "bochs", "ramfb", "cirrus", "none"}, "video");
}

Canonical memballoon(const json& value) { return one_of(value, {"virtio", "none"}, "memballoon"); }

Canonical usb_controller(const json& value) {
  return one_of(value, {"qemu-xhci", "nec-xhci", "ich9-ehci1", "piix3-uhci", "none"}, "usb_controller");
}

// The device keys: how a stack's value becomes canonical, and what a new
// domain gets without it (null: libvirt's own default device, or none).
struct DeviceKey {
  std::string_view key;
  Canonical (*canonical)(const json&);
  const char* new_domain_default;  // canonical JSON text
  // The default is the device libvirt adds by itself (virtplan writes none).
  bool libvirt_adds = false;
};

// New domains get a serial console on a pty (as before) and the guest agent
// channel, as virt-install does: `wait: {ip: true}` asks the agent for the
// address of a NIC on a bridge, where no libvirt DHCP lease exists.
constexpr DeviceKey k_keys[] = {
    {"graphics", graphics, "false"},
    {"video", video, "\"none\"", true},
    {"serial", serial, R"({"type":"pty"})"},
    {"tablet", tablet, "false"},
    {"channels", channels, R"(["qemu-guest-agent"])"},
    {"tpm", tpm, "false"},
    {"rng", rng, "false"},
    {"watchdog", watchdog, "false"},
    {"memballoon", memballoon, "\"virtio\"", true},
    {"usb_controller", usb_controller, "\"qemu-xhci\"", true},
};

const DeviceKey* key_of(std::string_view key) {
  for (const DeviceKey& entry : k_keys) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

// Checks between keys: SPICE's agent channel needs SPICE graphics (libvirt:
// "chardev 'spicevmc' not supported without spice graphics").
std::optional<std::string> cross_check(const DomainDevices& devices) {
  const json* list = devices.find("channels");
  const json* screen = devices.find("graphics");
  if (!list || !screen) return std::nullopt;
  bool vdagent = std::find(list->begin(), list->end(), "spice-vdagent") != list->end();
  if (vdagent && !(screen->is_object() && screen->at("type") == "spice"))
    return "channels: spice-vdagent needs `graphics: spice`";
  return std::nullopt;
}

}  // namespace

std::span<const std::string_view> DomainDevices::keys() {
  static const auto k_names = [] {
    std::array<std::string_view, std::size(k_keys)> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = k_keys[i].key;
    return out;
  }();
  return k_names;
}

Canonical DomainDevices::canonical(std::string_view key, const json& value) {
  const DeviceKey* entry = key_of(key);
  if (!entry) return wrong(fmt::format("{}: not a device key", key));
  return entry->canonical(value);
}

json DomainDevices::new_domain_default(std::string_view key) {
  const DeviceKey* entry = key_of(key);
  return entry ? json::parse(entry->new_domain_default) : json();
}

bool DomainDevices::libvirt_adds(std::string_view key) {
  const DeviceKey* entry = key_of(key);
  return entry && entry->libvirt_adds;
}

const json* DomainDevices::find(std::string_view key) const {
  auto it = declared.find(key);
  return it == declared.end() ? nullptr : &it->second;
}

void DomainDevices::put(json& spec) const {
  for (const auto& [key, value] : declared) spec[key] = value;
}

Result<DomainDevices> DomainDevices::from_json(const json& spec) {
  DomainDevices out;
  for (std::string_view key : keys()) {
    if (!spec.contains(key)) continue;
    auto value = canonical(key, spec.at(key));
    if (!value) return providers::fail(ErrorCode::invalid, value.error());
    out.declared.emplace(std::string(key), std::move(*value));
  }
  if (auto bad = cross_check(out)) return providers::fail(ErrorCode::invalid, *bad);
  return out;
}

DomainDevices DomainDevices::read_yaml(providers::YamlMap& map, providers::Diagnostics& diags,
                                       std::map<std::string, providers::SourceLocation>& locations) {
  DomainDevices out;
  std::optional<providers::YamlValue> channels_at;
  read_canonical_keys(map, diags, keys(), canonical,
                      [&](std::string_view key, json value, const providers::YamlValue& yaml) {
                        locations["/" + std::string(key)] = yaml.where();
                        if (key == "channels") channels_at = yaml;
                        out.declared.emplace(std::string(key), std::move(value));
                      });
  if (auto bad = cross_check(out); bad && channels_at) channels_at->error(diags, *bad);
  return out;
}

void DomainDevices::put_stack_yaml(json& out) const {
  for (const auto& [key, value] : declared) {
    if (value != new_domain_default(key)) out[key] = value;
  }
}

}  // namespace virtplan::kvm
