#pragma once

// FifoFeeder makes a FIFO at a path and, from a thread, writes `text` into it
// for whoever opens it to read, so that code which wrongly reads a FIFO gets
// text (and a test sees it accept the FIFO) instead of blocking the test
// forever. Destroying it releases a writer still waiting for a reader.
// SIGPIPE is ignored in the test process: code that opens the FIFO to check
// its type and closes it again leaves the writer writing to no reader, and
// the signal would kill the test (seen in CI) instead of the write failing.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <thread>

namespace virtplan::test {

class FifoFeeder {
public:
  FifoFeeder(std::string path, std::string text) : m_path(std::move(path)) {
    std::signal(SIGPIPE, SIG_IGN);
    ::mkfifo(m_path.c_str(), 0600);
    m_writer = std::thread([path = m_path, text = std::move(text)] {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // waits for a reader
      if (fd < 0) return;
      [[maybe_unused]] auto wrote = ::write(fd, text.data(), text.size());
      ::close(fd);
    });
  }
  ~FifoFeeder() {
    // A reader that never came: open one ourselves, so the writer's open returns.
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    m_writer.join();
    if (fd >= 0) ::close(fd);
  }
  FifoFeeder(const FifoFeeder&) = delete;
  FifoFeeder& operator=(const FifoFeeder&) = delete;

private:
  std::string m_path;
  std::thread m_writer;
};

}  // namespace virtplan::test
