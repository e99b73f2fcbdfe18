#pragma once

// A small TCG domain defined by hand on a lab host, for the tests of verbs
// that work on one domain outside a stack (operations, snapshots, backup):
// its XML, built with libxml2 (64 MiB, 1 vCPU, optionally one qcow2 file as
// vda), and its removal, whatever state a failed run left it in.

#include "providers/host/shell_quote.h"
#include "providers/xml/document.h"
#include "tests/lab/lab_env.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::lab {

inline std::string scratch_domain_xml(std::string_view name, const std::optional<std::string>& qcow2_disk) {
  auto doc = providers::XmlDocument::create("domain");
  auto root = doc.root();
  root.set_attr("type", "qemu");
  root.add_child("name").set_text(name);
  auto memory = root.add_child("memory");
  memory.set_attr("unit", "MiB");
  memory.set_text("64");
  root.add_child("vcpu").set_text("1");
  root.add_child("os").add_child("type").set_text("hvm");
  auto devices = root.add_child("devices");
  if (qcow2_disk) {
    auto disk = devices.add_child("disk");
    disk.set_attr("type", "file");
    disk.set_attr("device", "disk");
    auto driver = disk.add_child("driver");
    driver.set_attr("name", "qemu");
    driver.set_attr("type", "qcow2");
    disk.add_child("source").set_attr("file", *qcow2_disk);
    auto target = disk.add_child("target");
    target.set_attr("dev", "vda");
    target.set_attr("bus", "virtio");
  }
  return doc.to_string();
}

// Forces the domain off, undefines it with its managed-save image and
// snapshot metadata, and removes `dir` (its disk's directory) when given.
inline void remove_scratch_domain(const LabEnv& lab, std::string_view name, std::string_view dir = {}) {
  const std::string quoted = providers::shell_quote(std::string(name));
  std::string command = "virsh -q destroy --domain " + quoted +
                        " >/dev/null 2>&1; virsh -q undefine --domain " + quoted +
                        " --managed-save --snapshots-metadata >/dev/null 2>&1; ";
  if (!dir.empty()) command += "rm -rf " + providers::shell_quote(std::string(dir)) + "; ";
  lab.run_in(0, command + "true");
}

}  // namespace virtplan::lab
