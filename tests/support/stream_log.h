#pragma once

// StreamLog collects what a streamed command (Transport::stream) printed and
// how it ended, for tests of the local and SSH transports.

#include "providers/host/transport.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace virtplan::test {

struct StreamLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::string out;
  std::string err;
  std::optional<int> exit_status;  // -1: the connection broke

  providers::StreamSink sink() {
    return providers::StreamSink{[this](std::string_view text, bool is_stderr) {
                                   std::lock_guard lock(mutex);
                                   (is_stderr ? err : out).append(text);
                                   changed.notify_all();
                                 },
                                 [this](const providers::Result<providers::CommandOutput>& ended) {
                                   std::lock_guard lock(mutex);
                                   exit_status = ended ? ended->exit_status : -1;
                                   changed.notify_all();
                                 }};
  }

  // Waits (20 s at most) until `done` holds, checked under the lock.
  bool wait_for(const std::function<bool()>& done) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(20), done);
  }

  // What `read` returns, read under the lock: while the command runs, the
  // transport's thread may append or end at any moment (ThreadSanitizer
  // reported the unlocked reads the tests used to make).
  template <class Read>
  auto locked(Read read) {
    std::lock_guard lock(mutex);
    return read();
  }
};

}  // namespace virtplan::test
