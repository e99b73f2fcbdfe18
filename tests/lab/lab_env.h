#pragma once

// LabEnv is a running lab as a test sees it: the hosts `tests/lab/lab up`
// started, read from the env file the script writes, and the ways to reach them
// (over real SSH through host_config(), or from the inside through run_in()).

#include "providers/base/plain_text.h"
#include "providers/host/host_config.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace virtplan::lab {

// What a host printed, without the white space around it ("running\n" ->
// "running"), as a string a check can hold on to.
inline std::string trimmed(const std::string& text) { return std::string(providers::trimmed(text)); }

// Polls `done` every `every` until it holds or `limit` passes; whether it held.
inline bool wait_until(std::chrono::milliseconds limit, const std::function<bool()>& done,
                       std::chrono::milliseconds every = std::chrono::milliseconds(250)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

// LabHost is one lab host: a mount + network namespace with its own libvirtd,
// virtlogd and sshd, reached at `address` over a veth.
struct LabHost {
  int index = 0;        // K: the host is "lab<K>" at 10.231.K.2
  std::string name;     // "lab<K>"
  std::string address;  // "10.231.K.2"
  int holder_pid = 0;   // the process that keeps the namespaces; run_in() enters through it
  // Whether its libvirtd offers KVM: the machine has /dev/kvm and the lab
  // does not hide it from this host (VIRTPLAN_LAB_NO_KVM hides it from the
  // second host by default, so every lab has a TCG-only host).
  bool kvm = false;
};

namespace detail {

// The env file's KEY=VALUE lines. Values may be double-quoted; the script
// never writes a value that needs escapes (it refuses such lab dirs).
inline std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    values[line.substr(0, eq)] = value;
  }
  return values;
}

inline const std::string& require(const std::map<std::string, std::string>& values, const std::string& key,
                                  const std::string& path) {
  auto it = values.find(key);
  if (it == values.end()) throw std::runtime_error(path + ": missing " + key);
  return it->second;
}

// What a finished child printed and how it ended.
struct ChildOutput {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs argv with stdin from /dev/null and both outputs captured. poll() drains
// the two pipes together so a child that fills one cannot deadlock us.
inline ChildOutput run_child(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  ChildOutput result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace detail

struct LabEnv {
  std::string dir;
  std::string client_key;
  std::string known_hosts;
  std::vector<LabHost> hosts;
  // Which hosts hide /dev/kvm (VIRTPLAN_LAB_NO_KVM): "second", "none" or "all".
  std::string no_kvm;

  // The lab in $VIRTPLAN_LAB_DIR (else /var/tmp/virtplan-lab), or nullopt when
  // it is not up (`lab up` writes the env file last, `lab down` removes it).
  static std::optional<LabEnv> load() {
    const char* from_env = std::getenv("VIRTPLAN_LAB_DIR");
    std::string dir = from_env && *from_env ? from_env : "/var/tmp/virtplan-lab";
    std::string path = dir + "/env";
    if (!std::ifstream(path).good()) return std::nullopt;
    auto values = detail::read_env_file(path);
    LabEnv env;
    env.dir = detail::require(values, "VIRTPLAN_LAB_DIR", path);
    env.client_key = detail::require(values, "LAB_CLIENT_KEY", path);
    env.known_hosts = detail::require(values, "LAB_KNOWN_HOSTS", path);
    env.no_kvm = detail::require(values, "VIRTPLAN_LAB_NO_KVM", path);
    std::istringstream indices(detail::require(values, "LAB_HOSTS", path));
    for (int k; indices >> k;) {
      std::string prefix = "LAB_HOST_" + std::to_string(k) + "_";
      env.hosts.push_back(LabHost{k, detail::require(values, prefix + "NAME", path),
                                  detail::require(values, prefix + "ADDRESS", path),
                                  std::stoi(detail::require(values, prefix + "PID", path)),
                                  detail::require(values, prefix + "KVM", path) == "yes"});
    }
    return env;
  }

  // How virtplan reaches host i: ssh://root@ADDRESS:22 with the lab's client
  // key and known_hosts, host keys checked strictly.
  providers::HostConfig host_config(std::size_t i) const {
    const LabHost& host = hosts.at(i);
    providers::HostConfig config;
    config.name = host.name;
    config.user = "root";
    config.hostname = host.address;
    config.port = 22;
    config.identity = client_key;
    config.known_hosts = known_hosts;
    config.host_key = providers::HostKeyPolicy::strict;
    return config;
  }

  // The OpenSSH client command line that logs into host i the way `lab ssh`
  // does; append the remote command.
  std::vector<std::string> ssh_argv(std::size_t i) const {
    return {"ssh",
            "-F",
            "none",
            "-i",
            client_key,
            "-o",
            "UserKnownHostsFile=" + known_hosts,
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "ConnectTimeout=10",
            "-o",
            "LogLevel=ERROR",
            "root@" + hosts.at(i).address};
  }

  // Runs a shell command inside host i (its mount, network and UTS
  // namespaces, without SSH), for test setup and inspection. Returns its
  // stdout; throws std::runtime_error with its stderr when it exits non-zero.
  std::string run_in(std::size_t i, const std::string& shell_cmd) const {
    const LabHost& host = hosts.at(i);
    auto result = detail::run_child({"nsenter", "-t", std::to_string(host.holder_pid), "-m", "-n", "-u", "--",
                                     "/bin/sh", "-c", shell_cmd});
    if (result.status != 0) {
      throw std::runtime_error(host.name + ": '" + shell_cmd + "' exited " + std::to_string(result.status) +
                               ": " + result.err);
    }
    return result.out;
  }
};

}  // namespace virtplan::lab
