#pragma once

// PoolAdapter is the SCSI host adapter a scsi pool reads its LUNs from:
// a scsi_host by name ("host0") or a Fibre Channel vHBA by WWNN/WWPN.

#include <optional>
#include <string>

namespace virtplan::storage {

struct PoolAdapter {
  std::string type = "scsi_host";     // scsi_host | fc_host
  std::optional<std::string> name;    // scsi_host: "host0"
  std::optional<std::string> parent;  // fc_host: the parent scsi_host
  std::optional<std::string> wwnn;    // fc_host
  std::optional<std::string> wwpn;    // fc_host
};

}  // namespace virtplan::storage
