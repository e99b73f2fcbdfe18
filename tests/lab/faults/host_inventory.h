#pragma once

// HostInventory is everything libvirt holds on a lab host, each object with a
// fingerprint that changes when anything about it changes: its inactive XML
// (without the sizes and times a filesystem moves on its own), its state and
// autostart, and for a volume the hash of its first 64 KiB (a volume deleted
// and made again reads as zeros where the suite wrote a marker). Keys are
// "pool/NAME", "volume/POOL/NAME", "network/NAME", "domain/NAME".
//
// Read in three virsh processes inside the host (listings, volume listings,
// one batch of every dump), not through virtplan: the suite judges virtplan
// by what libvirt says.

#include "providers/base/sha256.h"
#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace virtplan::lab::faults {

using Inventory = std::map<std::string, std::string>;

namespace detail {

// Lists every object, then prints one virsh batch whose output has a
// "@@KEY" line before each object's dump. Names are the suite's own
// (letters, digits, '-'), so they need no quoting inside the batch.
constexpr const char* k_inventory_script = R"sh(
b=""
for p in $(virsh -q pool-list --all --name); do
  b="$b echo @@pool/$p; pool-dumpxml --inactive $p; pool-info $p;"
  for v in $(virsh -q vol-list --pool $p 2>/dev/null | awk '{print $1}'); do
    b="$b echo @@volume/$p/$v; vol-dumpxml --pool $p $v;"
  done
done
for n in $(virsh -q net-list --all --name); do b="$b echo @@network/$n; net-dumpxml --inactive $n; net-info $n;"; done
for d in $(virsh -q list --all --name); do b="$b echo @@domain/$d; dumpxml --inactive $d; domstate $d;"; done
[ -z "$b" ] || virsh "$b" 2>/dev/null
true
)sh";

// Lines that change without anyone touching the object: sizes the
// filesystem reports, access and change times, and a dir pool's target
// permissions, which libvirtd shows after pool-build but not after it
// restarts (it reads the pool's config, which never had them).
inline bool volatile_line(const std::string& line) {
  for (const char* part : {"<capacity", "<allocation", "<available", "<physical", "<atime>", "<mtime>",
                           "<ctime>", "<btime>", "<timestamps>", "</timestamps>", "Capacity:", "Allocation:",
                           "Available:", "<permissions>", "</permissions>", "<mode>", "<owner>", "<group>"}) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

// "content:HASH" of a volume file's first 64 KiB, read from outside the host
// (the host's /var/lib/virtplan is a directory of the lab dir).
inline std::string content_line(const std::string& host_dir, const std::string& dump) {
  const auto open = dump.find("<path>");
  const auto close = dump.find("</path>");
  if (open == std::string::npos || close == std::string::npos) return "content:unknown";
  std::string path = dump.substr(open + 6, close - open - 6);
  const std::string prefix = "/var/lib/virtplan/";
  if (path.rfind(prefix, 0) != 0) return "content:outside " + path;
  std::ifstream in(host_dir + "/var-lib-virtplan/" + path.substr(prefix.size()), std::ios::binary);
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return "content:" + providers::Sha256::of(head);
}

}  // namespace detail

// The host's objects now. `host_dir` is the host's directory in the lab dir.
inline Inventory read_inventory(const LabEnv& env, const std::string& host_dir) {
  std::istringstream out(env.run_in(0, detail::k_inventory_script));
  Inventory inventory;
  std::string line, key;
  while (std::getline(out, line)) {
    if (line.rfind("@@", 0) == 0) {
      key = line.substr(2);
      inventory[key];
    } else if (!key.empty() && !line.empty() && !detail::volatile_line(line)) {
      inventory[key] += line + "\n";
    }
  }
  for (auto& [k, fingerprint] : inventory) {
    if (k.rfind("volume/", 0) == 0) fingerprint += detail::content_line(host_dir, fingerprint) + "\n";
  }
  return inventory;
}

// The parts of a fingerprint that say which object it is, not how it is
// set: the UUID (pools, networks, domains) and a volume's content. A stack
// object whose identity changed was deleted and made again: lost.
inline std::string identity(const std::string& fingerprint) {
  std::istringstream in(fingerprint);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("<uuid>") != std::string::npos || line.rfind("content:", 0) == 0) out += line + "\n";
  }
  return out;
}

}  // namespace virtplan::lab::faults
