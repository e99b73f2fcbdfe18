#include "providers/base/tar_archive.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace virtplan::providers {

namespace {

constexpr std::size_t k_block = 512;

// Copies `value` into the header field at `at`, at most `size` bytes; the
// rest of the field stays NUL.
void put(std::string& header, std::size_t at, std::size_t size, std::string_view value) {
  std::memcpy(header.data() + at, value.data(), std::min(size, value.size()));
}

std::string header(std::string_view name, std::size_t size) {
  std::string h(k_block, '\0');
  put(h, 0, 100, name);
  put(h, 100, 8, "0000600");                      // mode
  put(h, 108, 8, "0000000");                      // uid
  put(h, 116, 8, "0000000");                      // gid
  put(h, 124, 12, fmt::format("{:011o}", size));  // size, octal
  put(h, 136, 12, "00000000000");                 // mtime
  put(h, 148, 8, "        ");                     // checksum, counted as spaces
  h[156] = '0';                                   // a regular file
  put(h, 257, 6, std::string_view("ustar\0", 6));
  put(h, 263, 2, "00");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(h, 148, 8, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h;
}

}  // namespace

void TarArchive::add(std::string_view name, std::string_view content) {
  m_data += header(name, content.size());
  m_data += content;
  m_data.append((k_block - content.size() % k_block) % k_block, '\0');
}

std::string TarArchive::bytes() const { return m_data + std::string(2 * k_block, '\0'); }

}  // namespace virtplan::providers
