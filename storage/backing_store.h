#pragma once

// BackingStore is a qcow2 overlay's backing file as libvirt's <backingStore>
// names it: a path on the host and the file's format.

#include <string>

namespace virtplan::storage {

struct BackingStore {
  std::string path;    // "/var/lib/virtplan/images/base"
  std::string format;  // "qcow2"
};

}  // namespace virtplan::storage
