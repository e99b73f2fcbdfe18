#pragma once

// How every summary (plan, apply, destroy, status, metrics, the Ansible
// module) says why a host's objects were not read. A host that answered but
// whose virsh failed, or whose stack lock another command holds, was reached:
// "could not be reached" would send the reader to check the network.

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::planner {

// "could not be reached" when no working connection was had (no route,
// refused, timed out, authentication, host key, the connection broke,
// libvirtd not answering); "is locked" when another virtplan command holds
// the stack's lock there; else "could not be read" (reached, but virsh or
// the ledger failed). The error's message says the rest.
std::string_view unread_wording(const providers::Error& why);

// "lab1: is locked: lab1: stack 'demo' is locked by ...": one host not read,
// for the commands that only show (status, metrics, show --live).
std::string unread_line(const std::string& host, const providers::Error& why);

// "dead: could not be reached, OUTCOME (pool.p@dead): MESSAGE": a host not
// read in a summary (plan's errors, apply's and destroy's summary, the
// Ansible module's message), with the stack's objects there (`objects`, from
// unread_objects()). Escaped like unread_line(): the message quotes the host.
std::string unread_summary(const std::string& host, const providers::Error& why, std::string_view outcome,
                           const std::map<std::string, std::vector<std::string>>& objects);

// host -> the error's message, for the JSON documents' "unreachable" object.
std::map<std::string, std::string> unread_messages(const std::map<std::string, providers::Error>& unread);

// host -> the addresses of the objects `declared` places on it, for each
// host not read: what was not planned or done there, which every summary
// lists so that nobody has to work it out from the stack.
std::map<std::string, std::vector<std::string>> unread_objects(
    const std::vector<providers::StackObject>& declared,
    const std::map<std::string, providers::Error>& unread);

// " (pool.p@dead, volume.v@dead)" for the host's entry in `objects`; empty
// when it has none.
std::string listed_objects(const std::map<std::string, std::vector<std::string>>& objects,
                           const std::string& host);

// Whether a stack of `hosts` hosts had none read: then there is no plan to
// show, not even "No changes".
bool no_host_read(std::size_t hosts, const std::map<std::string, providers::Error>& unread);

}  // namespace virtplan::planner
