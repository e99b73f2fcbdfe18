#pragma once

// NetworkReader reads every virtual network of a host in two rounds (names,
// then each inactive XML), adding what the XML lacks: `autostart`, and
// `used_by`, the domains whose interfaces use the network (from the domains'
// XML, read in the same rounds: net/network_users.h).

#include "providers/kind/reader.h"

namespace virtplan::net {

class NetworkReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "network"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
  // Every network the stack defines carries its <metadata> owner marker.
  bool marks_owner() const override { return true; }
};

}  // namespace virtplan::net
