#pragma once

// random_nonce() is random bits as hex digits (128 bits by default): what the
// markers around virsh commands are made of (VirshRunner's batches,
// VirshShell), so that no object's XML, which an attacker may write, can
// forge one.

#include <cstddef>
#include <string>

namespace virtplan::providers {

// `hex_digits` from 1 to 32.
std::string random_nonce(std::size_t hex_digits = 32);

}  // namespace virtplan::providers
