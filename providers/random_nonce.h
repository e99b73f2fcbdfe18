#pragma once

// random_nonce() is 128 random bits as 32 hex digits: what the markers around
// virsh commands are made of (VirshRunner's batches, VirshShell), so that no
// object's XML, which an attacker may write, can forge one.

#include <string>

namespace virtplan::providers {

std::string random_nonce();

}  // namespace virtplan::providers
