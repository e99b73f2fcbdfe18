#include "providers/base/regular_file.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <utility>

namespace virtplan::providers {
namespace {

// Read a piece at a time: what a read costs is what the file holds.
constexpr std::size_t k_piece = 64 * 1024;

std::filesystem::file_type type_of(unsigned mode) {
  using std::filesystem::file_type;
  switch (mode & S_IFMT) {
    case S_IFREG:
      return file_type::regular;
    case S_IFDIR:
      return file_type::directory;
    case S_IFIFO:
      return file_type::fifo;
    case S_IFCHR:
      return file_type::character;
    case S_IFBLK:
      return file_type::block;
    case S_IFSOCK:
      return file_type::socket;
    case S_IFLNK:
      return file_type::symlink;
    default:
      return file_type::unknown;
  }
}

}  // namespace

std::string file_type_name(std::filesystem::file_type type) {
  using std::filesystem::file_type;
  switch (type) {
    case file_type::regular:
      return "a regular file";
    case file_type::directory:
      return "a directory";
    case file_type::fifo:
      return "a FIFO";
    case file_type::character:
      return "a character device";
    case file_type::block:
      return "a block device";
    case file_type::socket:
      return "a socket";
    case file_type::symlink:
      return "a symbolic link";
    default:
      return "a file of an unknown type";
  }
}

Result<RegularFile> RegularFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return fail(error == ENOENT || error == EACCES ? ErrorCode::not_found : ErrorCode::other,
                fmt::format("{}: cannot be read: {}", path, std::strerror(error)));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const bool stated = info.st_mode != 0;
    ::close(fd);
    return fail(ErrorCode::invalid, stated ? fmt::format("{}: is {}, not a regular file", path,
                                                         file_type_name(type_of(info.st_mode)))
                                           : fmt::format("{}: cannot be read", path));
  }
  // Reads of a regular file never block; clearing the flag keeps it so.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return RegularFile(path, fd, static_cast<std::uint64_t>(info.st_size));
}

RegularFile::~RegularFile() {
  if (m_fd >= 0) ::close(m_fd);
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)), m_size(other.m_size) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_path = std::move(other.m_path);
    m_fd = std::exchange(other.m_fd, -1);
    m_size = other.m_size;
  }
  return *this;
}

Result<std::size_t> RegularFile::read_some(char* buffer, std::size_t capacity) {
  while (true) {
    const ssize_t got = ::read(m_fd, buffer, capacity);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR)
      return fail(ErrorCode::other, fmt::format("{}: cannot be read: {}", m_path, std::strerror(errno)));
  }
}

Result<std::string> RegularFile::read(std::size_t limit) {
  std::string text;
  while (text.size() < limit) {
    const std::size_t old_size = text.size();
    text.resize(old_size + std::min(k_piece, limit - old_size));
    auto got = read_some(text.data() + old_size, text.size() - old_size);
    if (!got) return fail(got.error());
    text.resize(old_size + *got);
    if (*got == 0) break;
  }
  text.shrink_to_fit();
  return text;
}

}  // namespace virtplan::providers
