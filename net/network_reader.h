#pragma once

// NetworkReader reads every virtual network of a host in two rounds (names,
// then each inactive XML), adding `autostart`, which the XML lacks.

#include "providers/kind_reader.h"

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
