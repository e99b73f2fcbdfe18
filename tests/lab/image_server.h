#pragma once

// ImageServer is an HTTP server the lab hosts reach: tests/lab/image_server.py
// (Python's http.server) on this machine, bound to this machine's end of a lab
// host's veth (10.231.K.1), serving a directory of images the test makes with
// qemu-img (qcow2, its xz, a SHA256SUMS). Its request log is how a test
// counts downloads. It is stopped (by its pid) when the object goes.

#include "providers/host/shell_quote.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

namespace virtplan::lab {

// What a shell command on this machine printed; the test fails when it fails.
inline std::string here(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  INFO(command);
  REQUIRE(pclose(pipe) == 0);
  return out;
}

class ImageServer {
public:
  // tests/lab/image_server.py: Python's http.server, but the first request
  // for a file named drop-* gets half its bytes, then the connection closes,
  // and every request for stall-* gets half its bytes, then nothing more.
  static std::string script() { return std::string(VIRTPLAN_SOURCE_DIR) + "/tests/lab/image_server.py"; }

  // Serves `dir` at `address` on a port the kernel picks; over HTTPS with
  // the certificate and key in the PEM file `tls` when one is given.
  ImageServer(std::string dir, const std::string& address, const std::string& tls = {})
      : m_dir(std::move(dir)), m_log(m_dir + (tls.empty() ? ".log" : ".tls.log")) {
    const std::string path = script();  // before fork: the child only execs
    m_pid = fork();
    REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      const int log = open(m_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int null_fd = open("/dev/null", O_RDONLY);
      dup2(null_fd, 0);
      dup2(log, 1);
      dup2(log, 2);
      if (!tls.empty()) setenv("IMAGE_SERVER_TLS", tls.c_str(), 1);
      // Debian's python3 (scripts/setup), whatever else PATH offers.
      execl("/usr/bin/python3", "python3", "-u", path.c_str(), address.c_str(), m_dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // "Serving HTTP on 10.231.K.1 port 41234"
    const std::regex serving(R"(Serving (HTTPS?) on \S+ port ([0-9]+))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::smatch match;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = log();
      if (std::regex_search(text, match, serving)) {
        m_base =
            fmt::format("{}://{}:{}", match[1].str() == "HTTPS" ? "https" : "http", address, match[2].str());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("the image server did not start: " + log());
  }
  ImageServer(const ImageServer&) = delete;
  ImageServer& operator=(const ImageServer&) = delete;
  ~ImageServer() {
    kill(m_pid, SIGTERM);
    waitpid(m_pid, nullptr, 0);
    std::filesystem::remove(m_log);
  }

  std::string url(const std::string& file) const { return m_base + "/" + file; }
  // Its request log: `10.231.K.2 - - [date] "GET /disk.qcow2 HTTP/1.1" 200 -`.
  std::string log() const {
    std::ifstream in(m_log);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // How many times a host asked for `file`.
  int gets(const std::string& file) const {
    const std::string text = log();
    const std::string needle = "\"GET /" + file + " ";
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
  }

private:
  std::string m_dir;
  std::string m_log;
  std::string m_base;
  pid_t m_pid = -1;
};

}  // namespace virtplan::lab
