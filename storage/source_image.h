#pragma once

// SourceImage is what virtplan learns of a volume's `source:` file on the
// control machine, reading it once, a piece at a time (never whole into
// memory): its size, the sha256 of its content (recorded in the ledger, so a
// changed file shows as a replace), and its format as its first bytes say
// (qcow2 by its magic and virtual size, else raw: the bytes are the disk).

#include "providers/base/error.h"

#include <cstdint>
#include <string>

namespace virtplan::storage {

struct SourceImage {
  std::string path;
  std::uint64_t size = 0;          // bytes in the file
  std::string sha256;              // lowercase hex; empty when not hashed
  std::string format = "raw";      // "qcow2" or "raw"
  std::uint64_t virtual_size = 0;  // the disk's size: the file's for raw

  // Reads the header; with `hash`, the whole file too.
  static providers::Result<SourceImage> inspect(const std::string& path, bool hash);
};

}  // namespace virtplan::storage
