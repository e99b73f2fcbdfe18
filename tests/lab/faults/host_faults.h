#pragma once

// The faults the suite injects into its lab host, each undone by its own
// means: the host's SSH traffic dropped (nftables in the host's network
// namespace) and let through again; libvirtd killed with -9 and started
// again; sshd stopped and started again; the ledger directory on a full
// tmpfs; and a watch on the ledger directory that tells when a ledger write
// begins. Every wait is for something the host shows (a process gone, a
// daemon answering, a file appearing), bounded.

#include "tests/lab/faults/running_apply.h"
#include "tests/lab/lab_env.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

namespace virtplan::lab::faults {

// Whether a process runs (a zombie does not: a killed daemon's parent is
// this machine's init, which reaps it when it gets to it).
inline bool process_runs(int pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string skip, comm, state;
  if (!(stat >> skip >> comm >> state)) return false;
  return state != "Z";
}

inline int pid_in_file(const std::string& path) {
  std::ifstream in(path);
  int pid = 0;
  if (!(in >> pid) || pid <= 0) throw std::runtime_error(path + ": no pid");
  return pid;
}

// Every packet to or from the host's sshd dropped while it lives (no RST:
// both ends see silence, as when a link or a firewall dies).
class SshCut {
public:
  explicit SshCut(const LabEnv& env) : m_env(env) {
    m_env.run_in(0,
                 "nft -f - <<'EOF'\n"
                 "table inet vp_fault {\n"
                 "  chain in { type filter hook input priority -10; policy accept; tcp dport 22 drop; }\n"
                 "  chain out { type filter hook output priority -10; policy accept; tcp sport 22 drop; }\n"
                 "}\nEOF\n");
  }
  SshCut(const SshCut&) = delete;
  SshCut& operator=(const SshCut&) = delete;
  ~SshCut() {
    try {
      restore();
    } catch (const std::runtime_error&) {
      // Only when the test already failed: the lab's teardown takes the namespace with it.
    }
  }

  void restore() {
    if (m_restored) return;
    m_restored = true;
    m_env.run_in(0, "nft delete table inet vp_fault");
  }

private:
  const LabEnv& m_env;
  bool m_restored = false;
};

// Kills the host's libvirtd with -9 (its domains, all stopped here, and the
// virsh clients connected to it see it vanish) and waits until it is gone.
inline void kill_libvirtd(const LabEnv& env) {
  const int pid = pid_in_file(fmt::format("/proc/{}/root/run/libvirtd.pid", env.hosts[0].holder_pid));
  kill(pid, SIGKILL);
  if (!poll_until([&] { return !process_runs(pid); }, std::chrono::seconds(30)))
    throw std::runtime_error("libvirtd did not die after kill -9");
}

// Starts the host's libvirtd again the way the lab does, and waits until it
// answers.
inline void start_libvirtd(const LabEnv& env) {
  env.run_in(0,
             "cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 libvirtd -d "
             "</dev/null >>/run/lab/daemons.log 2>&1");
  const bool answers = poll_until(
      [&] {
        try {
          env.run_in(0, "virsh -q list >/dev/null 2>&1");
          return true;
        } catch (const std::runtime_error&) {
          return false;
        }
      },
      std::chrono::seconds(60));
  if (!answers) throw std::runtime_error("libvirtd restarted but does not answer");
}

// Stops the host's listening sshd, as `systemctl restart ssh` does first:
// sessions already open keep their own sshd process; new logins are refused.
inline void stop_sshd(const std::string& host_dir) {
  const int pid = pid_in_file(host_dir + "/sshd.pid");
  kill(pid, SIGTERM);
  if (!poll_until([&] { return !process_runs(pid); }, std::chrono::seconds(30)))
    throw std::runtime_error("sshd did not stop on TERM");
}

// Starts a new listening sshd the way the lab does, and waits until a login
// works.
inline void start_sshd(const LabEnv& env) {
  env.run_in(
      0,
      "cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "
      "setsid /usr/sbin/sshd -D -f /run/lab/sshd_config -E /run/lab/sshd.log </dev/null >/dev/null 2>&1 & "
      "echo $! >/run/lab/sshd.pid");
  auto argv = env.ssh_argv(0);
  argv.push_back("true");
  if (!poll_until([&] { return lab::detail::run_child(argv).status == 0; }, std::chrono::seconds(60)))
    throw std::runtime_error("sshd restarted but logins fail");
}

// Tells when the ledger writer (providers/host/ledger.cc) makes its temporary
// file "STACK.json.XXXXXX" in the ledger directory, seen through the lab dir
// (inotify watches the directory itself, whichever namespace writes to it).
class LedgerWriteWatch {
public:
  LedgerWriteWatch(const std::string& ledger_dir, const std::string& stack)
      : m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), m_prefix(stack + ".json.") {
    if (m_fd < 0 || inotify_add_watch(m_fd, ledger_dir.c_str(), IN_CREATE) < 0)
      throw std::runtime_error("cannot watch " + ledger_dir);
  }
  LedgerWriteWatch(const LedgerWriteWatch&) = delete;
  LedgerWriteWatch& operator=(const LedgerWriteWatch&) = delete;
  ~LedgerWriteWatch() { close(m_fd); }

  // Waits for the `n`th write since the watch began; false when `apply`
  // ended first or the limit passed.
  bool wait_for_write(int n, RunningApply& apply,
                      std::chrono::milliseconds limit = std::chrono::seconds(120)) {
    return poll_until([&] { return drain() >= n || !apply.running(); }, limit) && m_writes >= n;
  }

private:
  int drain() {
    alignas(inotify_event) char buffer[4096];
    for (ssize_t n; (n = read(m_fd, buffer, sizeof buffer)) > 0;) {
      for (char* p = buffer; p < buffer + n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(p);
        if (event->len > 0 && std::string(event->name).rfind(m_prefix, 0) == 0) ++m_writes;
        p += sizeof(inotify_event) + event->len;
      }
    }
    return m_writes;
  }

  int m_fd;
  std::string m_prefix;
  int m_writes = 0;
};

// The host's ledger directory on a tmpfs with no room left, holding a copy of
// the ledger that was there; unmounted again (the ledger underneath was never
// touched) by restore() or when it goes.
class FullLedgerDisk {
public:
  FullLedgerDisk(const LabEnv& env, const std::string& ledger_file) : m_env(env) {
    m_env.run_in(
        0, fmt::format("set -e; cp -p {0} /tmp/vp-fault-ledger; mount -t tmpfs -o size=64k vp-fault "
                       "/var/lib/virtplan/ledger; cp -p /tmp/vp-fault-ledger {0}; rm /tmp/vp-fault-ledger; "
                       "dd if=/dev/zero of=/var/lib/virtplan/ledger/filler bs=4k >/dev/null 2>&1 || true",
                       ledger_file));
  }
  FullLedgerDisk(const FullLedgerDisk&) = delete;
  FullLedgerDisk& operator=(const FullLedgerDisk&) = delete;
  ~FullLedgerDisk() {
    try {
      restore();
    } catch (const std::runtime_error&) {
    }
  }

  // What the full directory holds: "NAME SIZE" lines.
  std::string listing() const {
    return m_env.run_in(0, "cd /var/lib/virtplan/ledger && wc -c * | grep -v total");
  }
  std::string read(const std::string& file) const { return m_env.run_in(0, "cat " + file); }

  // Unmounts; the ledger's lock holder of a finished apply may keep the
  // directory busy for a moment after virtplan exits.
  void restore() {
    if (m_restored) return;
    const bool gone = poll_until(
        [&] {
          try {
            m_env.run_in(0, "umount /var/lib/virtplan/ledger");
            return true;
          } catch (const std::runtime_error&) {
            return false;
          }
        },
        std::chrono::seconds(30));
    m_restored = true;
    if (!gone) throw std::runtime_error("the ledger tmpfs stays busy");
  }

private:
  const LabEnv& m_env;
  bool m_restored = false;
};

}  // namespace virtplan::lab::faults
