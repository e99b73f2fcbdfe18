#pragma once

// Which domains use which volumes, from the domains' XML: a volume is in use
// when a disk's <source file=...> (or <source dev=...>) is its path, or a
// disk's <source pool=... volume=...> names it. Both the volume reader (to
// put /used_by in the observed spec, for the planner's data-safety rules)
// and the volume actuator (to grow a disk of a running domain with
// blockresize instead of vol-resize) use it.

#include "providers/base/error.h"

#include <string>
#include <vector>

namespace virtplan::storage {

// One disk of one domain, as its XML names its storage.
struct DomainDisk {
  std::string domain;
  std::string target;  // "vda"
  std::string path;    // <source file|dev>, empty when it names a pool volume
  std::string pool;    // <source pool volume>, empty otherwise
  std::string volume;
  bool running = false;  // read from the live XML of a running domain

  bool operator==(const DomainDisk&) const = default;
};

// The disks of one domain document (dumpxml, live or inactive); CD-ROMs and
// floppies included (an ISO volume in a CD-ROM is in use too).
providers::Result<std::vector<DomainDisk>> read_domain_disks(const std::string& xml, bool running);

// The disks among `disks` that use the volume at `path`, which is `volume`
// of `pool`.
std::vector<DomainDisk> disks_using(const std::vector<DomainDisk>& disks, const std::string& pool,
                                    const std::string& volume, const std::string& path);

// A volume's target path in its `vol-dumpxml` document; empty when it has none.
providers::Result<std::string> volume_path(const std::string& volume_xml);

}  // namespace virtplan::storage
