#include "providers/host/host_session.h"

#include "providers/host/host_permission.h"

namespace virtplan::providers {

Result<std::unique_ptr<HostSession>> HostSession::open(const HostConfig& config, Transport& transport,
                                                       std::string_view stack, const Lock& lock, Warm warm) {
  auto session = std::make_unique<HostSession>(config, transport);
  if (warm == Warm::yes) session->warm_up();
  if (lock.before) {
    if (auto go_on = lock.before(); !go_on) return std::unexpected(go_on.error());
  }
  if (lock.take == Lock::Take::yes) {
    if (auto taken = session->take_lock(stack, lock); !taken) return std::unexpected(taken.error());
  }
  return session;
}

HostSession::HostSession(const HostConfig& config, Transport& transport, VirshBatcher::Options batching,
                         VirshShellPool::Options shelling)
    : m_config(config),
      m_transport(transport),
      m_guarded(transport, [this] { return check_lock(); }),
      m_alone(m_guarded, config.libvirt_uri, config.become),
      m_batcher(m_alone, batching),
      m_shells(m_alone, shelling),
      m_virsh(m_guarded, config.libvirt_uri, config.become, shared()) {}

// The lock goes while the members do: the shells end (each waits for its
// virsh) meanwhile, and m_releasing waits for the lock after them.
HostSession::~HostSession() {
  m_releasing = std::async(std::launch::async, [this] { release_lock(); });
}

void HostSession::warm_up() {
  m_warm = true;
  if (m_transport.can_stream()) m_shells.warm_up();
}

Result<void> HostSession::take_lock(std::string_view stack, const Lock& lock) {
  auto taken = StackLock::acquire(m_transport, stack, m_config.become, lock.wait, lock.dir, lock.holder);
  if (!taken) return std::unexpected(with_permission_hint(m_config, taken.error()));
  std::lock_guard guard(m_lock_mutex);
  m_lock = std::make_unique<StackLock>(std::move(*taken));
  m_lock_taken = true;
  return {};
}

Result<void> HostSession::check_lock() const {
  std::lock_guard guard(m_lock_mutex);
  if (!m_lock_taken || (m_lock && m_lock->held() && !m_lock_released)) return {};
  return std::unexpected(StackLock::lost_error(m_config.name));
}

void HostSession::release_lock() {
  std::unique_ptr<StackLock> gone;
  {
    std::lock_guard guard(m_lock_mutex);
    m_lock_released = true;
    gone = std::move(m_lock);
  }
}

Result<std::string> HostSession::read_once(const std::vector<std::string>& args) const {
  std::lock_guard guard(m_read_mutex);
  auto it = m_read.find(args);
  if (it == m_read.end()) it = m_read.emplace(args, m_virsh.run(args)).first;
  return it->second;
}

void HostSession::run_aside(std::vector<std::string> args) {
  if (m_transport.can_stream()) m_shells.run_aside({std::move(args), std::nullopt}, m_virsh.timeout());
}

int HostSession::capacity() const {
  return m_transport.can_stream() ? k_steps_per_shell * m_shells.capacity() : HostAccess::k_default_capacity;
}

}  // namespace virtplan::providers
