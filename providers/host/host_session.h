#pragma once

// HostSession is one host as a command reaches it: its configuration, its
// transport (one SSH session shared by everything done on the host), the
// stack's lock there when the command changes anything, and a virsh runner
// over that transport. Every command that reaches a host opens its session
// with HostSession::open: apply, destroy and the Ansible module (through
// RemoteHostAccess), plan, status, show and metrics (cli::observe_stack),
// import and `domain VERB`; each observes the host through it
// (planner::observe_host). Actuators receive it; the planner only passes it
// along (it never includes this header), so the planner stays free of
// virsh, XML and SSH.
//
// Once the lock was taken, nothing more is sent to the host after it is lost
// (architecture.md, decision 10): the session's transport is guarded
// (LockGuardedTransport).

#include "providers/base/error.h"
#include "providers/host/host_access.h"
#include "providers/host/host_config.h"
#include "providers/host/lock_guarded_transport.h"
#include "providers/host/stack_lock.h"
#include "providers/host/transport.h"
#include "providers/virsh/batcher.h"
#include "providers/virsh/runner.h"
#include "providers/virsh/shared_virsh.h"
#include "providers/virsh/shell_pool.h"

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// Steps on one host run at the same time; their quick virsh commands share a
// few virsh processes (shared_virsh.h): the shell pool's, kept running for
// the session, where the transport can stream; else the batcher's.
class HostSession {
public:
  // What open() does about the stack's lock on the host.
  struct Lock {
    enum class Take { no, yes };
    Take take = Take::yes;
    std::chrono::seconds wait{0};  // how long to wait for a busy lock
    // The command this process is, as a command the lock refuses names it:
    // "virtplan import", "virtplan domain start".
    std::string holder{StackLock::k_default_holder};
    std::string_view dir = StackLock::k_default_dir;  // tests point it elsewhere
    // Asked once the session is made, before the lock is taken; its error is
    // open()'s (RemoteHostAccess: one hypervisor under two entries is
    // refused, and earlier hosts' locks are taken first).
    std::function<Result<void>()> before = {};
  };
  // Whether open() starts the shared virsh at once (warm_up()), so that it
  // starts while the lock is taken: for a command that runs many quick
  // commands on the host (apply), not for one that reads it once (plan).
  enum class Warm { no, yes };

  // Opens the session on `transport` (which must outlive it), warms it up
  // as `warm` says, and takes the lock of `stack` there as `lock` says.
  // Fails with the lock's error (ErrorCode::locked, naming the holder),
  // lock.before's or the transport's.
  static Result<std::unique_ptr<HostSession>> open(const HostConfig& config, Transport& transport,
                                                   std::string_view stack, const Lock& lock,
                                                   Warm warm = Warm::no);

  // A session without the lock (open() takes it). Its shells look at how
  // busy the host is twice a second while calls come
  // (VirshShellPool::Options::look_at_load_every).
  HostSession(const HostConfig& config, Transport& transport, VirshBatcher::Options batching = {},
              VirshShellPool::Options shelling = {.look_at_load_every = std::chrono::milliseconds(500)});
  HostSession(const HostSession&) = delete;
  HostSession& operator=(const HostSession&) = delete;
  // Ends the shared virsh and lets the lock go.
  ~HostSession();

  // Starts the first shared virshes now, in the background (VirshShellPool::warm_up).
  void warm_up();
  // Fails once the lock was taken and then lost (or released).
  Result<void> check_lock() const;
  // Lets the lock go (once nothing more is to be sent under it).
  void release_lock();

  const HostConfig& config() const { return m_config; }
  // Everything sent to the host goes through this one (guarded by the lock).
  Transport& transport() { return m_guarded; }
  // What actuators use: quick commands share the session's virsh processes.
  const VirshRunner& virsh() const { return m_virsh; }
  // Runs each command in its own virsh process, in order.
  const VirshRunner& alone() const { return m_alone; }
  const VirshShellPool& shells() const { return m_shells; }
  // What reads the host in batches (read_host_inventory): the shared virsh
  // once warm_up() started it (apply: its reads go to the virsh its steps
  // will use), else a virsh process per batch (plan, status: a shared virsh
  // started for a few reads would cost its start and its end).
  const VirshRunner& reader() const { return m_warm ? m_virsh : m_alone; }
  const VirshBatcher& batcher() const { return m_batcher; }

  // The output of a virsh read whose answer does not change while the
  // session lives (`capabilities`), asked once: every later call gets the
  // same answer (or error) without a round trip. After a libvirtd start,
  // `capabilities` makes it probe every QEMU binary on the host (seconds):
  // asking once per host, not once per domain, pays that once.
  Result<std::string> read_once(const std::vector<std::string>& args) const;

  // Runs a virsh read in the background on a shared virsh that it holds up
  // no other call on (VirshShellPool::run_aside), its answer unused: for
  // work the host does once that later commands would wait for. Nothing on
  // a transport that cannot stream (no shells).
  void run_aside(std::vector<std::string> args);

  // How many apply steps the host takes at once: k_steps_per_shell for each
  // shared virsh it runs (VirshShellPool::capacity: as many as its CPUs, up
  // to four). A step spends most of its time between virsh commands (ledger
  // records, XML, waiting on a guest), so a few steps keep one virsh busy;
  // more would only queue at the shells. One bound, then, from one figure:
  // the host's CPUs. Without a stream (no shells) the batcher shares virsh
  // processes, and the host takes the default.
  static constexpr int k_steps_per_shell = 4;
  int capacity() const;

private:
  // Takes the stack's lock (StackLock::acquire) for as long as the session
  // lives or until release_lock(); from then on the session's transport
  // sends nothing once the lock is lost.
  Result<void> take_lock(std::string_view stack, const Lock& lock);
  SharedVirsh* shared() {
    return m_transport.can_stream() ? static_cast<SharedVirsh*>(&m_shells) : &m_batcher;
  }

  const HostConfig m_config;  // a copy: callers pass temporaries
  Transport& m_transport;     // the host's, unguarded: the lock is taken through it
  bool m_warm = false;        // warm_up() was called

  mutable std::mutex m_lock_mutex;  // guards the three below
  std::unique_ptr<StackLock> m_lock;
  bool m_lock_taken = false;
  bool m_lock_released = false;
  // The lock is let go while the shells end, side by side (each waits ~50 ms
  // for the host): this waits for it after them.
  std::future<void> m_releasing;

  LockGuardedTransport m_guarded;
  VirshRunner m_alone;
  VirshBatcher m_batcher;
  VirshShellPool m_shells;
  VirshRunner m_virsh;

  mutable std::mutex m_read_mutex;  // guards m_read
  mutable std::map<std::vector<std::string>, Result<std::string>> m_read;
};

}  // namespace virtplan::providers
