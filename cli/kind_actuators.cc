#include "cli/kind_actuators.h"

#include "kvm/domain_actuator.h"
#include "net/network_actuator.h"
#include "storage/pool_actuator.h"
#include "storage/volume_actuator.h"

#include <array>

namespace virtplan::cli {

const providers::KindActuator* kind_actuator(std::string_view kind) {
  static const kvm::DomainActuator domain;
  static const net::NetworkActuator network;
  static const storage::PoolActuator pool;
  static const storage::VolumeActuator volume;
  static const std::array<const providers::KindActuator*, 4> actuators{&domain, &network, &pool, &volume};
  for (const providers::KindActuator* actuator : actuators) {
    if (actuator->kind() == kind) return actuator;
  }
  return nullptr;
}

}  // namespace virtplan::cli
