#pragma once

// adopt_object() makes an existing object one the stack owns, on its host:
// an entry in the stack's ledger there (every kind), and for the kinds whose
// <metadata> libvirt keeps (domains, networks) the owner marker in the
// object's persistent XML, by an atomic redefine of its inactive XML with the
// marker added (running objects keep running; the marker is in what the
// observer reads, `dumpxml --inactive`). The ledger goes first: it is enough
// on its own, so a failure after it leaves the object owned, never half
// owned. The caller checks that no other stack owns the object.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"
#include "providers/kind/object_id.h"

#include <string>

namespace virtplan::cli {

// What was recorded, for the user: "ledger" or "ledger and <metadata> marker".
providers::Result<std::string> adopt_object(const std::string& stack, const providers::HostConfig& host,
                                            providers::Transport& transport, const providers::ObjectId& id);

}  // namespace virtplan::cli
