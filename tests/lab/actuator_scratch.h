#pragma once

// What the actuator lab tests share besides the harness: Probe looks at one
// domain from inside lab host 0 (id, QEMU pid, state, live and inactive XML),
// Scratch removes what a test made (names end in "-TAG"), and the stack YAML
// the tests build.

#include "providers/xml/document.h"
#include "tests/lab/actuator_harness.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

namespace virtplan::lab {

inline std::string tag() { return fmt::format("{}", getpid() % 100000); }

// One domain on lab host 0 as the tests look at it, from inside the host.
struct Probe {
  const LabEnv& env;
  std::string name;

  std::string virsh(const std::string& args) const { return trimmed(env.run_in(0, "virsh -q " + args)); }
  std::string id() const { return virsh("domid " + name); }
  std::string pid() const { return trimmed(env.run_in(0, "cat /run/libvirt/qemu/" + name + ".pid")); }
  std::string state() const { return virsh("domstate " + name); }
  // How many times QEMU was started for it: libvirt logs one "starting up"
  // line per start. (Domain ids are counted per host, so other tests'
  // domains move them.)
  int starts() const {
    return std::stoi(
        trimmed(env.run_in(0, "grep -c 'starting up' /var/log/libvirt/qemu/" + name + ".log || true")));
  }
  // The first string of `xpath` in the live (or inactive) XML, "" if none.
  std::string live(const std::string& xpath) const { return query("dumpxml " + name, xpath); }
  std::string config(const std::string& xpath) const { return query("dumpxml --inactive " + name, xpath); }

  std::string query(const std::string& dump, const std::string& xpath) const {
    auto document = providers::XmlDocument::parse(virsh(dump));
    REQUIRE(document);
    auto value = document->root().xpath_string(xpath);
    REQUIRE(value);
    return value->value_or("");
  }
};

// Removes what a test made, before and after it (names carry the test's tag).
struct Scratch {
  const LabEnv& env;
  std::string tag;

  Scratch(const LabEnv& e, std::string t) : env(e), tag(std::move(t)) { clean(); }
  ~Scratch() { clean(); }

  void clean() const {
    try {
      env.run_in(
          0, fmt::format(
                 "for d in $(virsh -q list --all --name | grep -- '-{0}$'); do virsh -q destroy $d; "
                 "virsh -q undefine $d --nvram; done >/dev/null 2>&1; "
                 "for n in $(virsh -q net-list --all --name | grep -- '-{0}$'); do virsh -q net-destroy $n; "
                 "virsh -q net-undefine $n; done >/dev/null 2>&1; "
                 "virsh -q pool-destroy p-{0} >/dev/null 2>&1; virsh -q pool-undefine p-{0} >/dev/null 2>&1; "
                 "rm -rf /var/lib/virtplan/p-{0} /var/lib/virtplan/ledger/act-{0}.json; true",
                 tag));
    } catch (...) {
    }
  }

  // A dir pool with raw volumes of 4 MiB, made by hand: the stack's disks
  // name them with an explicit pool (external volumes).
  void volumes(const std::vector<std::string>& names) const {
    std::string script = fmt::format(
        "virsh -q pool-define-as p-{0} dir --target /var/lib/virtplan/p-{0} >/dev/null && "
        "virsh -q pool-build p-{0} >/dev/null && virsh -q pool-start p-{0} >/dev/null",
        tag);
    for (const auto& name : names) {
      script += fmt::format(" && virsh -q vol-create-as p-{} {} 4MiB --format raw >/dev/null", tag, name);
    }
    env.run_in(0, script);
  }
};

inline std::string stack_yaml(const LabEnv& env, const std::string& t, const std::string& networks,
                              const std::string& domains) {
  return fmt::format("stack: act-{}\nhosts:\n{}networks:\n{}domains:\n{}", t, lab_host_yaml(env, 0), networks,
                     domains);
}

// An isolated network on lab host 0 at 10.81.SUBNET.0/24, with a static
// lease for the MAC the tests' domains use when `lease`.
inline std::string network_yaml(const LabEnv& env, const std::string& name, const std::string& bridge,
                                int subnet, bool lease = true) {
  return fmt::format(
      "  {0}:\n    host: {1}\n    mode: isolated\n    bridge: {2}\n    ipv4:\n      address: 10.81.{3}.1/24\n"
      "      dhcp:\n        range: 10.81.{3}.100-10.81.{3}.150\n{4}",
      name, env.hosts[0].name, bridge, subnet,
      lease ? fmt::format("        hosts: [{{mac: \"52:54:00:81:00:10\", ip: 10.81.{}.10, name: web}}]\n",
                          subnet)
            : "");
}

}  // namespace virtplan::lab
