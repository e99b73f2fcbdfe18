#include "providers/kind/storage_facts.h"

#include <catch2/catch.hpp>

using virtplan::providers::pool_of_files;

TEST_CASE("a pool of files is a dir, fs or netfs pool: its volumes are files named after them") {
  for (const char* files : {"dir", "fs", "netfs"}) CHECK(pool_of_files(files));
  for (const char* other : {"logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", ""})
    CHECK_FALSE(pool_of_files(other));
}
