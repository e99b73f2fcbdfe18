#pragma once

// The libvirt network XML of a NetworkSpec, both ways: the document that
// defines a new network, the spec a host's `net-dumpxml --inactive` describes,
// and a host's document with the managed fields changed for a redefine.

#include "net/network_spec.h"
#include "providers/base/error.h"
#include "providers/xml/document.h"
#include "providers/xml/namespace.h"

#include <optional>
#include <string>

namespace virtplan::net {

// A new <network> document named `name`, owned by stack `stack`.
providers::XmlDocument build_network_xml(const NetworkSpec& spec, const std::string& name,
                                         const std::string& stack);

// Changes `document` (a host's inactive network XML) in place so that it
// describes `spec`, keeping everything virtplan does not manage (UUID, the
// bridge's MAC, stp/delay, NAT port ranges, IPv6, ...), and marks it owned by
// `stack`.
void update_network_xml(providers::XmlDocument& document, const NetworkSpec& spec, const std::string& stack);

// The spec a network document describes; autostart stays unset.
providers::Result<NetworkSpec> read_network_xml(const providers::XmlDocument& document);

// The stack that owns the network, from its <metadata>; nullopt when none.
std::optional<std::string> read_network_owner(const providers::XmlDocument& document);

}  // namespace virtplan::net
