#include "kvm/domain_devices_xml.h"

#include <cstdlib>
#include <optional>
#include <set>
#include <string>

namespace virtplan::kvm {

using nlohmann::json;
using providers::XmlNode;

namespace {

std::optional<XmlNode> first(XmlNode devices, const char* name) { return devices.child(name); }

void remove_all(XmlNode devices, const char* name) {
  for (XmlNode element : devices.children(name)) element.remove();
}

// --- graphics -------------------------------------------------------------

std::optional<std::string> listen_address(XmlNode graphics) {
  for (XmlNode listen : graphics.children("listen")) {
    if (listen.attr("type") == "address" && listen.attr("address")) return listen.attr("address");
  }
  return graphics.attr("listen");
}

std::optional<json> read_graphics(XmlNode devices) {
  auto graphics = first(devices, "graphics");
  if (!graphics) return json(false);
  json out = {{"type", graphics->attr("type").value_or("")}};
  if (auto listen = listen_address(*graphics)) out["listen"] = *listen;
  std::string port = graphics->attr("port").value_or("-1");
  if (graphics->attr("autoport") != "yes" && port != "-1") out["port"] = std::atoi(port.c_str());
  if (auto password = graphics->attr("passwd")) out["password"] = *password;
  return out;
}

void set_graphics(XmlNode graphics, const json& want) {
  if (want.contains("listen")) {
    const std::string address = want.at("listen");
    graphics.set_attr("listen", address);
    std::optional<XmlNode> listen;
    for (XmlNode item : graphics.children("listen")) {
      if (item.attr("type") == "address") listen = item;
    }
    if (!listen) listen = graphics.add_child("listen");
    listen->set_attr("type", "address");
    listen->set_attr("address", address);
  } else {
    graphics.remove_attr("listen");
    for (XmlNode item : graphics.children("listen")) {
      if (item.attr("type") == "address") item.remove();
    }
  }
  if (want.contains("port")) {
    graphics.set_attr("port", std::to_string(want.at("port").get<int>()));
    graphics.set_attr("autoport", "no");
  } else {
    graphics.set_attr("port", "-1");
    graphics.set_attr("autoport", "yes");
  }
  if (want.contains("password")) {
    graphics.set_attr("passwd", want.at("password").get<std::string>());
  } else {
    graphics.remove_attr("passwd");
    graphics.remove_attr("passwdValidTo");
  }
}

void write_graphics(XmlNode devices, const json& want) {
  if (!want.is_object()) return;
  XmlNode graphics = devices.add_child("graphics");
  graphics.set_attr("type", want.at("type").get<std::string>());
  set_graphics(graphics, want);
}

// In place when the type stays, so attributes the spec does not name survive.
void update_graphics(XmlNode devices, const json& want) {
  auto graphics = first(devices, "graphics");
  if (graphics && want.is_object() && graphics->attr("type") == want.at("type")) {
    set_graphics(*graphics, want);
    return;
  }
  if (graphics) graphics->remove();
  if (!want.is_object()) remove_all(devices, "graphics");
  write_graphics(devices, want);
}

// --- video ----------------------------------------------------------------

std::optional<json> read_video(XmlNode devices) {
  auto video = first(devices, "video");
  if (!video) return json("none");
  auto model = video->child("model");
  if (!model || !model->attr("type")) return std::nullopt;
  return json(*model->attr("type"));
}

void write_video(XmlNode devices, const json& want) {
  devices.add_child("video").add_child("model").set_attr("type", want.get<std::string>());
}

// The primary video's model is replaced whole: its other attributes (vram,
// heads) are the old model's.
void update_video(XmlNode devices, const json& want) {
  auto video = first(devices, "video");
  if (!video) return write_video(devices, want);
  if (auto model = video->child("model")) model->remove();
  video->add_child("model").set_attr("type", want.get<std::string>());
}

// --- serial console -------------------------------------------------------

// The console that shows serial port 0 (libvirt writes it for serial 0).
std::optional<XmlNode> serial_console(XmlNode devices) {
  for (XmlNode console : devices.children("console")) {
    auto target = console.child("target");
    if (!target || target->attr("type").value_or("serial") == "serial") return console;
  }
  return std::nullopt;
}

std::optional<json> read_serial(XmlNode devices) {
  auto serial = first(devices, "serial");
  if (!serial) return json(false);
  if (serial->attr("type") != "pty") return std::nullopt;
  json out = {{"type", "pty"}};
  if (auto log = serial->child("log"); log && log->attr("file")) out["log"] = *log->attr("file");
  return out;
}

void set_log(XmlNode chardev, const json& want) {
  if (auto old = chardev.child("log")) old->remove();
  if (want.contains("log")) chardev.add_child("log").set_attr("file", want.at("log").get<std::string>());
}

void write_serial(XmlNode devices, const json& want) {
  if (!want.is_object()) return;
  XmlNode serial = devices.add_child("serial");
  serial.set_attr("type", "pty");
  set_log(serial, want);
  serial.add_child("target").set_attr("port", "0");
  XmlNode console = devices.add_child("console");
  console.set_attr("type", "pty");
  set_log(console, want);
  XmlNode target = console.add_child("target");
  target.set_attr("type", "serial");
  target.set_attr("port", "0");
}

void update_serial(XmlNode devices, const json& want) {
  auto serial = first(devices, "serial");
  if (serial && want.is_object() && serial->attr("type") == "pty") {
    set_log(*serial, want);
    if (auto console = serial_console(devices)) set_log(*console, want);
    return;
  }
  if (auto console = serial_console(devices)) console->remove();
  if (serial) serial->remove();
  write_serial(devices, want);
}

// --- tablet ---------------------------------------------------------------

std::optional<XmlNode> tablet_of(XmlNode devices) {
  for (XmlNode input : devices.children("input")) {
    if (input.attr("type") == "tablet") return input;
  }
  return std::nullopt;
}

std::optional<json> read_tablet(XmlNode devices) { return json(tablet_of(devices).has_value()); }

void write_tablet(XmlNode devices, const json& want) {
  if (!want.get<bool>()) return;
  XmlNode input = devices.add_child("input");
  input.set_attr("type", "tablet");
  input.set_attr("bus", "usb");
}

void update_tablet(XmlNode devices, const json& want) {
  while (auto input = tablet_of(devices)) input->remove();
  write_tablet(devices, want);
}

// --- channels -------------------------------------------------------------

struct ChannelKind {
  const char* name;    // in the spec
  const char* type;    // the chardev
  const char* target;  // the virtio port's name, which the guest looks for
};

constexpr ChannelKind k_channels[] = {
    {"qemu-guest-agent", "unix", "org.qemu.guest_agent.0"},
    {"spice-vdagent", "spicevmc", "com.redhat.spice.0"},
};

const ChannelKind* channel_kind(XmlNode channel) {
  auto target = channel.child("target");
  if (!target || target->attr("type") != "virtio") return nullptr;
  for (const ChannelKind& kind : k_channels) {
    if (target->attr("name") == kind.target && channel.attr("type") == kind.type) return &kind;
  }
  return nullptr;
}

std::optional<json> read_channels(XmlNode devices) {
  std::set<std::string> names;
  for (XmlNode channel : devices.children("channel")) {
    if (const ChannelKind* kind = channel_kind(channel)) names.insert(kind->name);
  }
  return json(std::vector<std::string>(names.begin(), names.end()));
}

void add_channel(XmlNode devices, const ChannelKind& kind) {
  XmlNode channel = devices.add_child("channel");
  channel.set_attr("type", kind.type);
  XmlNode target = channel.add_child("target");
  target.set_attr("type", "virtio");
  target.set_attr("name", kind.target);
}

bool wanted(const json& list, const char* name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

void write_channels(XmlNode devices, const json& want) {
  for (const ChannelKind& kind : k_channels) {
    if (wanted(want, kind.name)) add_channel(devices, kind);
  }
}

void update_channels(XmlNode devices, const json& want) {
  std::set<std::string> present;
  for (XmlNode channel : devices.children("channel")) {
    const ChannelKind* kind = channel_kind(channel);
    if (!kind) continue;  // another channel: not managed
    if (wanted(want, kind->name)) {
      present.insert(kind->name);
    } else {
      channel.remove();
    }
  }
  for (const ChannelKind& kind : k_channels) {
    if (wanted(want, kind.name) && !present.contains(kind.name)) add_channel(devices, kind);
  }
}

// --- tpm, rng, watchdog ---------------------------------------------------

std::optional<json> read_tpm(XmlNode devices) {
  auto tpm = first(devices, "tpm");
  if (!tpm) return json(false);
  auto backend = tpm->child("backend");
  if (!backend || backend->attr("type") != "emulator") return std::nullopt;
  return json{{"model", tpm->attr("model").value_or("tpm-tis")},
              {"version", backend->attr("version").value_or("")}};
}

void write_tpm(XmlNode devices, const json& want) {
  if (!want.is_object()) return;
  XmlNode tpm = devices.add_child("tpm");
  tpm.set_attr("model", want.at("model").get<std::string>());
  XmlNode backend = tpm.add_child("backend");
  backend.set_attr("type", "emulator");
  backend.set_attr("version", want.at("version").get<std::string>());
}

std::optional<json> read_rng(XmlNode devices) {
  auto rng = first(devices, "rng");
  if (!rng) return json(false);
  auto backend = rng->child("backend");
  if (!backend || backend->attr("model") != "random") return std::nullopt;
  return json{{"model", rng->attr("model").value_or("")}, {"backend", backend->text()}};
}

void write_rng(XmlNode devices, const json& want) {
  if (!want.is_object()) return;
  XmlNode rng = devices.add_child("rng");
  rng.set_attr("model", want.at("model").get<std::string>());
  XmlNode backend = rng.add_child("backend");
  backend.set_attr("model", "random");
  backend.set_text(want.at("backend").get<std::string>());
}

std::optional<json> read_watchdog(XmlNode devices) {
  auto watchdog = first(devices, "watchdog");
  if (!watchdog) return json(false);
  return json{{"model", watchdog->attr("model").value_or("")},
              {"action", watchdog->attr("action").value_or("reset")}};
}

void write_watchdog(XmlNode devices, const json& want) {
  if (!want.is_object()) return;
  XmlNode watchdog = devices.add_child("watchdog");
  watchdog.set_attr("model", want.at("model").get<std::string>());
  watchdog.set_attr("action", want.at("action").get<std::string>());
}

// --- memballoon, USB controller -------------------------------------------

std::optional<json> read_memballoon(XmlNode devices) {
  auto balloon = first(devices, "memballoon");
  if (!balloon) return std::nullopt;  // libvirt adds one at define: absent only before
  return json(balloon->attr("model").value_or(""));
}

void write_memballoon(XmlNode devices, const json& want) {
  devices.add_child("memballoon").set_attr("model", want.get<std::string>());
}

std::optional<XmlNode> usb_controller_of(XmlNode devices) {
  for (XmlNode controller : devices.children("controller")) {
    if (controller.attr("type") == "usb" && controller.attr("index").value_or("0") == "0") return controller;
  }
  return std::nullopt;
}

std::optional<json> read_usb_controller(XmlNode devices) {
  auto controller = usb_controller_of(devices);
  if (!controller || !controller->attr("model")) return std::nullopt;
  return json(*controller->attr("model"));
}

void write_usb_controller(XmlNode devices, const json& want) {
  XmlNode controller = devices.add_child("controller");
  controller.set_attr("type", "usb");
  controller.set_attr("index", "0");
  controller.set_attr("model", want.get<std::string>());
}

// The USB controller 0 and its companions (an EHCI's UHCIs) are replaced
// whole: the new model sits on another bus kind.
void update_usb_controller(XmlNode devices, const json& want) {
  for (XmlNode controller : devices.children("controller")) {
    if (controller.attr("type") == "usb" && controller.attr("index").value_or("0") == "0")
      controller.remove();
  }
  write_usb_controller(devices, want);
}

// --- the table --------------------------------------------------------------

// How each key is read, written for a new domain and updated (nullptr:
// remove every element of `element`, then write).
struct DeviceXml {
  std::string_view key;
  const char* element;
  std::optional<json> (*read)(XmlNode devices);
  void (*write)(XmlNode devices, const json& want);
  void (*update)(XmlNode devices, const json& want);
};

constexpr DeviceXml k_device_xml[] = {
    {"graphics", "graphics", read_graphics, write_graphics, update_graphics},
    {"video", "video", read_video, write_video, update_video},
    {"serial", "serial", read_serial, write_serial, update_serial},
    {"tablet", "input", read_tablet, write_tablet, update_tablet},
    {"channels", "channel", read_channels, write_channels, update_channels},
    {"tpm", "tpm", read_tpm, write_tpm, nullptr},
    {"rng", "rng", read_rng, write_rng, nullptr},
    {"watchdog", "watchdog", read_watchdog, write_watchdog, nullptr},
    {"memballoon", "memballoon", read_memballoon, write_memballoon, nullptr},
    {"usb_controller", "controller", read_usb_controller, write_usb_controller, update_usb_controller},
};

bool is_model(const json* value, std::initializer_list<const char*> models) {
  if (!value) return false;
  const json& model = value->is_object() ? value->value("model", json()) : *value;
  for (const char* name : models) {
    if (model == name) return true;
  }
  return false;
}

}  // namespace

json DomainDevicesXml::read(XmlNode devices) {
  json out = json::object();
  for (const DeviceXml& entry : k_device_xml) {
    auto value = entry.read(devices);
    if (!value) continue;
    // Only a value a stack could declare: another one stays unmanaged.
    auto canonical = DomainDevices::canonical(entry.key, *value);
    if (canonical && *canonical == *value) out[std::string(entry.key)] = *value;
  }
  return out;
}

void DomainDevicesXml::write_new(XmlNode devices, const DomainDevices& declared) {
  for (const DeviceXml& entry : k_device_xml) {
    const json* value = declared.find(entry.key);
    if (!value && DomainDevices::libvirt_adds(entry.key)) continue;
    entry.write(devices, value ? *value : DomainDevices::new_domain_default(entry.key));
  }
}

void DomainDevicesXml::update(XmlNode devices, const DomainDevices& desired) {
  for (const DeviceXml& entry : k_device_xml) {
    const json* want = desired.find(entry.key);
    if (!want) continue;  // not managed: kept as it is
    if (entry.read(devices) == std::optional<json>(*want)) continue;
    if (entry.update) {
      entry.update(devices, *want);
    } else {
      remove_all(devices, entry.element);
      entry.write(devices, *want);
    }
  }
}

void DomainDevicesXml::set_password(XmlNode devices, const DomainDevices& desired) {
  auto graphics = first(devices, "graphics");
  const json* want = desired.find("graphics");
  if (!graphics || !want || !want->is_object()) return;
  if (want->contains("password")) {
    graphics->set_attr("passwd", want->at("password").get<std::string>());
  } else {
    graphics->remove_attr("passwd");
  }
}

int DomainDevicesXml::pcie_ports(const DomainDevices& declared) {
  auto value = [&](std::string_view key) {
    const json* found = declared.find(key);
    return found ? *found : DomainDevices::new_domain_default(key);
  };
  int ports = 0;
  json channels = value("channels");
  if (channels.is_array() && !channels.empty()) ++ports;  // the virtio-serial controller
  json rng = value("rng");
  if (rng.is_object()) ++ports;
  json usb = value("usb_controller");
  json watchdog = value("watchdog");
  if (is_model(&usb, {"none", "ich9-ehci1", "piix3-uhci"})) --ports;  // off the root ports
  // Conventional PCI devices sit behind one pcie-to-pci-bridge, itself on a root port.
  if (is_model(&watchdog, {"i6300esb"}) || is_model(&usb, {"ich9-ehci1", "piix3-uhci"})) ++ports;
  if (value("memballoon") == "none") --ports;
  return ports;
}

}  // namespace virtplan::kvm
