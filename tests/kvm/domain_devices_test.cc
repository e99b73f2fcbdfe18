// The device keys of a domain (kvm/domain_devices.h): what a stack may write
// and what it is refused, how they reach libvirt's XML and come back, that an
// update touches only the kinds a stack declares, their impact, and what
// import prints.

#include "kvm/domain_devices.h"
#include "kvm/domain_devices_xml.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_spec.h"
#include "kvm/domain_stack_writer.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using kvm::test::valid_domain;
using nlohmann::json;

namespace {

// A domain as virt-manager leaves it, with what virtplan does not name
// (keymap, a spice channel's sibling, a second serial port's console).
const char* const k_hand_made = R"(<domain type='qemu'><name>web</name>
<memory unit='KiB'>262144</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<devices>
<controller type='usb' index='0' model='qemu-xhci'/>
<serial type='pty'><log file='/var/log/libvirt/web.log' append='on'/><target type='isa-serial' port='0'/></serial>
<console type='pty'><log file='/var/log/libvirt/web.log' append='on'/><target type='serial' port='0'/></console>
<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<channel type='pty'><target type='virtio' name='org.example.custom'/></channel>
<input type='tablet' bus='usb'/>
<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' keymap='de' passwd='old'><listen type='address' address='127.0.0.1'/></graphics>
<video><model type='virtio' heads='1' primary='yes'/></video>
<watchdog model='i6300esb' action='reset'/>
<memballoon model='virtio'/>
<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
</devices></domain>)";

std::string xpath(const std::string& xml, const std::string& expression) {
  auto document = providers::XmlDocument::parse(xml);
  REQUIRE(document);
  auto value = document->root().xpath_string(expression);
  REQUIRE(value);
  return value->value_or("");
}

std::string updated(const std::string& yaml) {
  auto object = valid_domain("memory: 256MiB\n" + yaml);
  auto xml = kvm::DomainKind().update_xml(k_hand_made, object);
  INFO((xml ? "" : xml.error().message()));
  REQUIRE(xml);
  return *xml;
}

}  // namespace

TEST_CASE("device keys: short forms expand to the canonical spec, defaults filled in") {
  auto object = valid_domain(R"(memory: 256MiB
graphics: vnc
video: virtio
serial: pty
tablet: true
channels: [qemu-guest-agent, qemu-guest-agent]
tpm: true
rng: true
watchdog: ib700
memballoon: none
usb_controller: nec-xhci
)");
  const json& spec = object.spec;
  CHECK(spec.at("graphics") == json({{"type", "vnc"}}));
  CHECK(spec.at("video") == "virtio");
  CHECK(spec.at("serial") == json({{"type", "pty"}}));
  CHECK(spec.at("tablet") == true);
  CHECK(spec.at("channels") == json({"qemu-guest-agent"}));
  CHECK(spec.at("tpm") == json({{"model", "tpm-crb"}, {"version", "2.0"}}));
  CHECK(spec.at("rng") == json({{"model", "virtio"}, {"backend", "/dev/urandom"}}));
  CHECK(spec.at("watchdog") == json({{"model", "ib700"}, {"action", "reset"}}));
  CHECK(spec.at("memballoon") == "none");
  CHECK(spec.at("usb_controller") == "nec-xhci");
  // A key the stack leaves out is not in the spec: not managed.
  CHECK_FALSE(valid_domain("memory: 256MiB\n").spec.contains("graphics"));
}

TEST_CASE("device keys: a bad value is refused where it is, saying what is expected") {
  providers::Diagnostics diags;
  parse_domain(R"(memory: 256MiB
graphics: {type: vnc, listen: localhost, port: 80, password: longer-than-8}
)",
               diags);
  CHECK(
      messages(diags) ==
      "stack.yaml:2:11: domain.web: graphics listen 'localhost': expected an IP address (127.0.0.1, 0.0.0.0, ::)\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"graphics: {type: vnc, port: 80}", "graphics port 80: expected auto or a port from 5900 to 65535"},
      {"graphics: {type: vnc, password: longer-than-8}",
       "graphics password: VNC uses at most 8 characters (QEMU ignores the rest)"},
      {"graphics: {type: rdp}", "graphics type: expected one of vnc, spice, got 'rdp'"},
      {"graphics: {listen: 0.0.0.0}", "graphics: type is required (vnc or spice)"},
      {"graphics: {type: vnc, passwd: x}",
       "graphics: unknown key 'passwd' (expected listen, password, port, type)"},
      {"video: virtio-gpu",
       "video: expected one of virtio, qxl, vga, bochs, ramfb, cirrus, none, got 'virtio-gpu'"},
      {"serial: {log: relative.log}", "serial log: expected an absolute path of a file on the host"},
      {"serial: tcp", "serial type: expected one of pty, got 'tcp'"},
      {"tablet: usb", "tablet: expected true or false"},
      {"channels: [guest-agent]",
       "channels: expected one of qemu-guest-agent, spice-vdagent, got 'guest-agent'"},
      {"tpm: {model: tpm-crb, version: '1.2'}", "tpm: model tpm-crb needs version 2.0 (use tpm-tis for 1.2)"},
      {"rng: {backend: /dev/zero}",
       "rng backend: expected one of /dev/urandom, /dev/random, /dev/hwrng, got '/dev/zero'"},
      {"watchdog: itco", "watchdog model: expected one of i6300esb, ib700, got 'itco'"},
      {"memballoon: true", "memballoon: expected one of virtio, none"},
      {"usb_controller: ehci",
       "usb_controller: expected one of qemu-xhci, nec-xhci, ich9-ehci1, piix3-uhci, none, "
       "got 'ehci'"},
      {"graphics: vnc\nchannels: [spice-vdagent]", "channels: spice-vdagent needs `graphics: spice`"},
  };
  for (const auto& [yaml, message] : cases) {
    providers::Diagnostics one;
    parse_domain("memory: 256MiB\n" + yaml + "\n", one);
    INFO(yaml);
    CHECK(messages(one).find(message) != std::string::npos);
    CHECK(one.sorted().size() == 1);
  }
}

TEST_CASE("device keys read back from libvirt's XML, and what the spec cannot name stays unmanaged") {
  auto spec = kvm::DomainKind().parse_xml(k_hand_made);
  REQUIRE(spec);
  CHECK(spec->at("graphics") == json({{"type", "vnc"}, {"listen", "127.0.0.1"}, {"password", "old"}}));
  CHECK(spec->at("video") == "virtio");
  CHECK(spec->at("serial") == json({{"type", "pty"}, {"log", "/var/log/libvirt/web.log"}}));
  CHECK(spec->at("tablet") == true);
  CHECK(spec->at("channels") == json({"qemu-guest-agent"}));
  CHECK(spec->at("tpm") == json({{"model", "tpm-crb"}, {"version", "2.0"}}));
  CHECK(spec->at("watchdog") == json({{"model", "i6300esb"}, {"action", "reset"}}));
  CHECK(spec->at("usb_controller") == "qemu-xhci");
  // A serial port on TCP, an RNG fed by EGD, a passthrough TPM: no key at all.
  auto other = kvm::DomainKind().parse_xml(
      "<domain type='qemu'><name>x</name><memory>1024</memory><devices>"
      "<serial type='tcp'><source mode='bind' host='0.0.0.0' service='4555'/></serial>"
      "<rng model='virtio'><backend model='egd' type='tcp'/></rng>"
      "<tpm model='tpm-tis'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>"
      "</devices></domain>");
  REQUIRE(other);
  CHECK_FALSE(other->contains("serial"));
  CHECK_FALSE(other->contains("rng"));
  CHECK_FALSE(other->contains("tpm"));
  CHECK(other->at("graphics") == false);
  CHECK(other->at("channels") == json::array());
}

TEST_CASE("an update without device keys keeps every device the domain has") {
  std::string xml = updated("");
  for (const char* kept : {"//graphics/@passwd", "//graphics/@keymap", "//tpm/@model", "//rng/backend",
                           "//watchdog/@action", "//channel/target[@name='org.example.custom']/@name",
                           "//serial/log/@file", "//input[@type='tablet']/@bus"}) {
    INFO(kept);
    CHECK(xpath(xml, kept) != "");
  }
}

TEST_CASE("an update rewrites only the declared kinds that differ, graphics in place") {
  std::string xml = updated(R"(graphics: {type: vnc, listen: 0.0.0.0, password: new}
channels: []
tpm: false
watchdog: {model: i6300esb, action: poweroff}
serial: pty
)");
  CHECK(xpath(xml, "//graphics/@passwd") == "new");
  CHECK(xpath(xml, "//graphics/@listen") == "0.0.0.0");
  CHECK(xpath(xml, "//graphics/listen/@address") == "0.0.0.0");
  CHECK(xpath(xml, "//graphics/@keymap") == "de");  // not named by the spec: kept
  CHECK(xpath(xml, "//channel/target[@name='org.qemu.guest_agent.0']/@name") == "");
  CHECK(xpath(xml, "//channel/target[@name='org.example.custom']/@name") != "");
  CHECK(xpath(xml, "count(//tpm)") == "0");
  CHECK(xpath(xml, "//watchdog/@action") == "poweroff");
  CHECK(xpath(xml, "count(//serial/log)") == "0");
  CHECK(xpath(xml, "count(//console/log)") == "0");
  CHECK(xpath(xml, "//rng/backend") == "/dev/urandom");  // not declared: kept
  // Read back, the declared keys are what the stack says: the next plan is empty.
  auto spec = kvm::DomainKind().parse_xml(xml);
  REQUIRE(spec);
  CHECK(spec->at("graphics") == json({{"type", "vnc"}, {"listen", "0.0.0.0"}, {"password", "new"}}));
  CHECK(spec->at("channels") == json::array());
  CHECK(spec->at("tpm") == false);
  CHECK(spec->at("serial") == json({{"type", "pty"}}));
}

TEST_CASE(
    "a new domain gets a pty serial console and the guest agent channel unless the stack says otherwise") {
  std::string plain = kvm::test::created_xml(valid_domain("memory: 256MiB\n"));
  CHECK(xpath(plain, "//serial/@type") == "pty");
  CHECK(xpath(plain, "//channel/target/@name") == "org.qemu.guest_agent.0");
  CHECK(xpath(plain, "count(//graphics)") == "0");
  std::string bare = kvm::test::created_xml(valid_domain("memory: 256MiB\nchannels: []\nserial: false\n"));
  CHECK(xpath(bare, "count(//channel)") == "0");
  CHECK(xpath(bare, "count(//serial)") == "0");
  CHECK(xpath(bare, "count(//console)") == "0");
}

TEST_CASE("a console password changes live, and listen, port, type and the other devices need a restart") {
  const auto& rules = kvm::domain_field_rules();
  CHECK(rules.impact("/graphics/password", "a", "b") == providers::Impact::live);
  CHECK(rules.impact("/graphics/password", nullptr, "b") == providers::Impact::live);
  CHECK(rules.rule_for("/graphics/password", "a", "b").live == kvm::domain_live::update);
  CHECK(rules.impact("/graphics/listen", "127.0.0.1", "0.0.0.0") == providers::Impact::restart);
  CHECK(rules.impact("/graphics/type", "vnc", "spice") == providers::Impact::restart);
  CHECK(rules.impact("/graphics", false, json({{"type", "vnc"}})) == providers::Impact::restart);
  for (const char* path : {"/video", "/serial/log", "/tablet", "/channels", "/tpm", "/rng",
                           "/watchdog/action", "/memballoon", "/usb_controller"}) {
    INFO(path);
    CHECK(rules.impact(path, "a", "b") == providers::Impact::restart);
  }
}

TEST_CASE("the live password update sends the running console with the declared password") {
  auto live = providers::XmlDocument::parse(k_hand_made);
  REQUIRE(live);
  auto object = valid_domain("memory: 256MiB\ngraphics: {type: vnc, listen: 127.0.0.1, password: n3w}\n");
  auto spec = kvm::DomainSpec::from_json(object.spec);
  REQUIRE(spec);
  kvm::DomainDevicesXml::set_password(live->root().ensure_child("devices"), spec->devices);
  CHECK(xpath(live->to_string(), "//graphics/@passwd") == "n3w");
  CHECK(xpath(live->to_string(), "//graphics/@keymap") == "de");
}

TEST_CASE("import prints the device keys a new domain would not get by itself") {
  auto spec = kvm::DomainKind().parse_xml(k_hand_made);
  REQUIRE(spec);
  auto yaml = kvm::domain_to_stack(*spec);
  REQUIRE(yaml);
  CHECK(yaml->at("graphics") == json({{"type", "vnc"}, {"listen", "127.0.0.1"}, {"password", "old"}}));
  CHECK(yaml->at("serial") == json({{"type", "pty"}, {"log", "/var/log/libvirt/web.log"}}));
  CHECK(yaml->at("tablet") == true);
  CHECK(yaml->at("tpm") == json({{"model", "tpm-crb"}, {"version", "2.0"}}));
  CHECK(yaml->at("video") == "virtio");
  // What a new domain gets anyway is left out: the guest agent channel,
  // libvirt's balloon and USB controller.
  CHECK_FALSE(yaml->contains("channels"));
  CHECK_FALSE(yaml->contains("memballoon"));
  CHECK_FALSE(yaml->contains("usb_controller"));
  // The printed YAML reads as the same spec: the plan after import is empty.
  auto object = valid_domain("memory: 256MiB\n" + [&] {
    std::string text;
    for (const char* key : {"graphics", "serial", "tablet", "tpm", "video", "rng", "watchdog"})
      text += std::string(key) + ": " + yaml->at(key).dump() + "\n";
    return text;
  }());
  for (const char* key : {"graphics", "serial", "tablet", "tpm", "video", "rng", "watchdog"}) {
    INFO(key);
    CHECK(object.spec.at(key) == spec->at(key));
  }
}
