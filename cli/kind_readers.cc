#include "cli/kind_readers.h"

#include "kvm/domain_reader.h"
#include "net/network_reader.h"
#include "storage/pool_reader.h"
#include "storage/volume_reader.h"

namespace virtplan::cli {

const std::vector<const providers::KindReader*>& kind_readers() {
  static const kvm::DomainReader domain;
  static const net::NetworkReader network;
  static const storage::PoolReader pool;
  static const storage::VolumeReader volume;
  static const std::vector<const providers::KindReader*> readers{&domain, &network, &pool, &volume};
  return readers;
}

}  // namespace virtplan::cli
