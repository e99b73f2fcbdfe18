// pool_gone() recognises, by virsh's words for exactly that pool, a pool
// that stopped or was undefined after it was listed, and nothing else.

#include "storage/pool_gone.h"

#include <catch2/catch.hpp>

#include <string>

namespace virtplan::storage {
namespace {

using providers::Error;
using providers::ErrorCode;
using providers::Result;

Result<std::string> failed(ErrorCode code, const std::string& message) {
  return std::unexpected(Error(code, "lab1: virsh vol-list --pool p-7: " + message));
}

TEST_CASE("pool_gone: the pool stopped or undefined since it was listed") {
  const Result<std::string> stopped_list =
      failed(ErrorCode::other,
             "Failed to list volumes: Requested operation is not valid: storage pool 'p-7' is not "
             "active");
  const Result<std::string> stopped_dump = failed(ErrorCode::other, "pool 'p-7' is not active");
  const Result<std::string> undefined =
      failed(ErrorCode::not_found,
             "failed to get pool 'p-7': Storage pool not found: no storage pool with matching name 'p-7'");
  // Undefined between virsh's lookup by name and its use by UUID (seen in
  // the lab while another test destroyed its pool beside a plan).
  const Result<std::string> undefined_in_use =
      failed(ErrorCode::other,
             "Failed to list volumes: Storage pool not found: no storage pool with matching uuid "
             "'d6b521c1-a600-4a37-97ef-6d00eee452af'");
  CHECK(pool_gone(&stopped_list, "p-7"));
  CHECK(pool_gone(&stopped_dump, "p-7"));
  CHECK(pool_gone(&undefined, "p-7"));
  CHECK(pool_gone(&undefined_in_use, "p-7"));
}

TEST_CASE("pool_gone: not for another pool, another failure, a success or no answer") {
  const Result<std::string> stopped = failed(ErrorCode::other, "pool 'p-7' is not active");
  const Result<std::string> volume_gone =
      failed(ErrorCode::not_found,
             "failed to get vol 'v': Storage volume not found: no storage vol with matching path 'v'");
  const Result<std::string> denied = failed(ErrorCode::other, "cannot open directory: Permission denied");
  const Result<std::string> listed = std::string(" v  /var/lib/virtplan/p-7/v\n");
  CHECK_FALSE(pool_gone(&stopped, "p-70"));
  CHECK_FALSE(pool_gone(&stopped, "p"));
  CHECK_FALSE(pool_gone(&volume_gone, "p-7"));
  CHECK_FALSE(pool_gone(&denied, "p-7"));
  CHECK_FALSE(pool_gone(&listed, "p-7"));
  CHECK_FALSE(pool_gone(nullptr, "p-7"));
}

}  // namespace
}  // namespace virtplan::storage
