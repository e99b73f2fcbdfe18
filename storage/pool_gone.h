#pragma once

// pool_gone() tells a pool that stopped or was undefined after it was listed
// apart from any other failure, by the words libvirt 9.0's virsh uses for
// exactly that pool:
//
//   vol-list, pool stopped:       "... storage pool 'P' is not active"
//   vol-dumpxml, pool stopped:    "pool 'P' is not active"
//   either, pool undefined:       "... no storage pool with matching name 'P'"
//   either, pool undefined while virsh used it: "Storage pool not found: no
//                                 storage pool with matching uuid 'U'" (virsh
//                                 found P by name, then asked by its UUID; the
//                                 words name no pool, but the command was about
//                                 P alone: seen when another stack's destroy
//                                 removed P between a plan's rounds)
//
// Such a pool has no volumes to show now. Whether that is an answer or a
// failure is the reader's call: it depends on whether the stack needs the pool.

#include "providers/base/error.h"

#include <string>

namespace virtplan::storage {

// Whether `answer` (to a command about pool `pool`) failed because `pool` is
// not active or not defined any more. False for a success, no answer, or a
// failure about anything else, another pool's included.
bool pool_gone(const providers::Result<std::string>* answer, const std::string& pool);

}  // namespace virtplan::storage
