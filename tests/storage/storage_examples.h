#pragma once

// The pools and volumes the tests generate XML for: one pool per type, and
// raw, qcow2 and overlay volumes in a dir pool (those are also defined on a
// real libvirtd and read back).

#include <string>
#include <vector>

namespace virtplan::storage::test {

struct StorageExample {
  std::string name;  // also the golden and data file name
  std::string yaml;
};

inline const std::vector<StorageExample>& pool_examples() {
  static const std::vector<StorageExample> k_examples = {
      {"vp-dir", "type: dir\npath: /var/lib/virtplan/images/\n"},
      {"vp-fs", R"(
type: fs
path: /var/lib/virtplan/fs
source: {device: /dev/loop7}
)"},
      {"vp-fs-ext4", R"(
type: fs
path: /mnt/ext4
source: {device: /dev/sdb1, format: ext4}
autostart: false
)"},
      {"vp-netfs", R"(
type: netfs
path: /var/lib/virtplan/nfs
source: {host: nas.example.com, port: 2049, dir: /export/images, format: nfs}
)"},
      {"vp-logical", R"(
type: logical
source: {name: vg0, device: [/dev/sdb, /dev/sdc]}
)"},
      {"vp-disk", R"(
type: disk
source: {device: /dev/sdd, format: gpt}
)"},
      {"vp-iscsi", R"(
type: iscsi
source: {host: san.example.com, port: 3260, iqn: "iqn.2013-06.com.example:storage.lun1"}
)"},
      {"vp-iscsi-direct", R"(
type: iscsi-direct
source:
  host: 192.0.2.10
  iqn: iqn.2013-06.com.example:target
  initiator: iqn.2013-06.com.example:initiator
)"},
      {"vp-scsi", R"(
type: scsi
source: {adapter: {name: host0}}
)"},
      {"vp-scsi-fc", R"(
type: scsi
path: /dev/disk/by-id
source: {adapter: {type: fc_host, parent: host3, wwnn: "20000000c9831b4b", wwpn: "10000000c9831b4b"}}
)"},
      {"vp-mpath", "type: mpath\n"},
  };
  return k_examples;
}

// Volumes live in pool vp-dir (see pool_examples) on every test host.
inline const std::vector<StorageExample>& volume_examples() {
  static const std::vector<StorageExample> k_examples = {
      {"vp-raw", "pool: vp-dir\ncapacity: 16MiB\n"},
      {"vp-base", "pool: vp-dir\nformat: qcow2\ncapacity: 64MiB\n"},
      {"vp-overlay", "pool: vp-dir\ncapacity: 128MiB\nbacking: vp-base\n"},
      {"vp-overlay-same-size", "pool: vp-dir\nbacking: vp-base\nprotect: true\n"},
  };
  return k_examples;
}

}  // namespace virtplan::storage::test
