#pragma once

// digest_in_sums() finds a file's digest in a checksum file as distributions
// publish them beside their images (SHA256SUMS, SHA512SUMS): coreutils lines
// "HEX  NAME" or "HEX *NAME" (binary mode), and BSD-style tagged lines
// "SHA256 (NAME) = HEX". The file named is the last part of the image URL's
// path (image_file_name()): that line's digest is the one the download must
// match. The algorithm is the tag's, else the digest's length says it (64 hex
// digits: sha256, 128: sha512).

#include "providers/kind/storage_facts.h"

#include <optional>
#include <string>
#include <string_view>

namespace virtplan::storage {

using providers::digest_algorithm;
using providers::ImageDigest;

// "https://cloud.example/images/debian-12.qcow2?x=1" -> "debian-12.qcow2";
// empty when the path ends in '/'.
std::string image_file_name(std::string_view url);

// The digest `sums` gives for `file_name` (a leading "./" in the file counts
// for nothing); nullopt when no line names it or its digest is malformed.
std::optional<ImageDigest> digest_in_sums(std::string_view sums, std::string_view file_name);

}  // namespace virtplan::storage
