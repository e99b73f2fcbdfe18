#pragma once

// The rules of storage/'s pools and volumes that other folders need too:
// kvm/ writes and moves the disks of domains (and may not include storage/,
// tests/check_layers). Each is decided here once, and storage/ reads the
// same rule.

#include <string_view>

namespace virtplan::providers {

// Whether a pool of libvirt type `type` ("dir") keeps its volumes as files
// in a target directory of its own, each named after its volume: dir, fs
// and netfs. The others' volumes are block devices (logical, disk), LUNs or
// network disks that only the pool names.
bool pool_of_files(std::string_view type);

}  // namespace virtplan::providers
