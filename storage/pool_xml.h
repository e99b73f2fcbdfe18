#pragma once

// The libvirt storage pool XML of a PoolSpec, both ways: the document that
// defines a new pool (`pool-define`), and the spec a host's
// `pool-dumpxml --inactive` describes. Pools hold no <metadata> in libvirt
// 9.0 (it is dropped), so ownership is kept in the host's ledger instead.

#include "providers/base/error.h"
#include "providers/xml/document.h"
#include "storage/pool_spec.h"

#include <string>

namespace virtplan::storage {

providers::XmlDocument build_pool_xml(const PoolSpec& spec, const std::string& name);

// The spec a pool document describes; autostart stays unset. Sizes, the
// UUID, permissions and vendor/product are libvirt's and are ignored.
providers::Result<PoolSpec> read_pool_xml(const providers::XmlDocument& document);

}  // namespace virtplan::storage
