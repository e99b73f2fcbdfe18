#pragma once

// Turning what virsh printed on stderr into an Error whose code says what
// happened (not_found, already_exists, invalid...) and whose message keeps
// what virsh said: its "error: " lines, without that prefix, joined by ": ".
//
//   "error: failed to get domain 'web'\n"  ->  not_found, "failed to get domain 'web'"

#include "providers/base/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// The text of each "error: " line of `err`, trimmed, in order.
std::vector<std::string> virsh_error_lines(std::string_view err);

// The code for one message of virsh's, matched without regard to case:
//   unreachable (checked first): "failed to connect to the hypervisor", a
//     failed reconnect, and the words of a connection that broke ("End of
//     file while reading data", "Cannot recv data", "Disconnected from"...)
//   not_found: "failed to get domain", "Domain not found", "Network not
//     found", "Storage pool not found", "Storage volume not found", "no
//     domain with matching name" (for a network, pool or volume virsh adds
//     libvirt's words to its "failed to get ...", and only those count)
//   already_exists: "already exists"
//   invalid: "XML error", "invalid argument", "unsupported configuration",
//     "internal error" together with "XML", and libxml2's parse errors as
//     libvirt reports them ("(domain_definition):1: ...")
//   other: anything else
ErrorCode classify_virsh_message(std::string_view message);

// The domain name when `error` is virsh's bare "failed to get domain 'NAME'"
// and nothing else: virsh says only that whether the domain is gone or the
// lookup failed for another reason (libvirtd's connection broke mid-call), so
// it is "not found" only once a listing confirms it (VirshRunner does).
std::optional<std::string> bare_domain_lookup_failure(const Error& error);

// The error for a virsh command that failed: `context` first
// ("lab1: virsh dominfo"), then virsh's error lines; the whole of stderr when
// it has no error lines (sudo's complaints, say), or the exit status when
// stderr is empty.
Error virsh_error(std::string_view context, std::string_view err, int exit_status);

}  // namespace virtplan::providers
