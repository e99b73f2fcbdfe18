#pragma once

// RegularFile is a file the user named (a stack file, user-data, an image to
// upload) opened only when it is a regular file. A FIFO blocks its open or its
// reads forever and a device (/dev/zero, /dev/urandom) never ends, so both are
// refused, naming the path. The open itself never blocks (O_NONBLOCK) and the
// type is checked on the opened file (fstat), so nothing swapped in between
// the check and the read slips through.

#include "providers/base/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace virtplan::providers {

class RegularFile {
public:
  // Fails with not_found when `path` is missing or unreadable, and with
  // invalid when it is anything but a regular file (after symlinks).
  static Result<RegularFile> open(const std::string& path);
  ~RegularFile();
  RegularFile(RegularFile&& other) noexcept;
  RegularFile& operator=(RegularFile&& other) noexcept;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  // The size when it was opened.
  std::uint64_t size() const { return m_size; }
  // Up to `limit` bytes from where the last read stopped (fewer at the end
  // of the file). Memory grows with what is read, never with `limit`.
  Result<std::string> read(std::size_t limit);
  // Up to `capacity` bytes into `buffer`; 0 at the end of the file.
  Result<std::size_t> read_some(char* buffer, std::size_t capacity);

private:
  RegularFile(std::string path, int fd, std::uint64_t size)
      : m_path(std::move(path)), m_fd(fd), m_size(size) {}

  std::string m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

// What a file of `type` is, for messages: "a directory", "a FIFO", ...
std::string file_type_name(std::filesystem::file_type type);

}  // namespace virtplan::providers
