#include "providers/host/remote_host_access.h"

#include "providers/host/host_permission.h"
#include "providers/host/host_session.h"
#include "providers/host/transport_factory.h"

#include <fmt/format.h>

#include <condition_variable>
#include <future>
#include <thread>

namespace virtplan::providers {

// One host's connection and ledger. ~RemoteHostAccess ends the saver, the
// lock and the session; the transport they run over goes after them, with
// the state.
struct RemoteHostAccess::HostState {
  explicit HostState(HostConfig host_config) : config(std::move(host_config)) {}

  const HostConfig config;

  std::mutex connect_mutex;  // one connection attempt at a time
  bool tried = false;
  std::optional<Error> error;  // why the host cannot be used, once tried
  std::unique_ptr<Transport> transport;
  // Its transport refuses everything once the lock is lost (host_session.h).
  std::unique_ptr<HostSession> session;

  Result<void> check_lock() const { return session ? session->check_lock() : Result<void>(); }

  std::mutex ledger_mutex;  // guards ledger, version, saved, attempted, saving, writes
  std::condition_variable_any saved_changed;
  std::optional<Ledger> ledger;
  std::uint64_t version = 0;    // bumped by every change
  std::uint64_t saved = 0;      // the version on the host
  std::uint64_t attempted = 0;  // the newest version a save was attempted with
  bool saving = false;
  bool finished = false;  // no more records are coming: the saver skips its pause
  int writes = 0;

  // Last, so it stops before the rest goes; started once the ledger is loaded.
  std::jthread saver;
};

RemoteHostAccess::RemoteHostAccess(std::string stack, std::map<std::string, HostConfig> hosts,
                                   Options options)
    : m_stack(std::move(stack)), m_options(std::move(options)) {
  if (!m_options.connect) m_options.connect = make_transport;
  for (auto& [name, config] : hosts) m_hosts.emplace(name, std::make_unique<HostState>(std::move(config)));
}

// Records a caller did not flush still reach their hosts. Then every host's
// saver stops and its stack lock and shells end, all side by side: each of
// those waits for a command on the host to exit (~50 ms), and one after
// another they added up at the end of every apply. The connections go last.
RemoteHostAccess::~RemoteHostAccess() {
  flush();
  std::vector<std::future<void>> ending;
  for (auto& [name, state] : m_hosts) {
    ending.push_back(std::async(std::launch::async, [&state = *state] {
      state.saver = {};       // before the lock: a save in flight ends under it
      state.session.reset();  // its shells and its lock end side by side
    }));
  }
  for (auto& end : ending) end.get();
}

RemoteHostAccess::HostState* RemoteHostAccess::state_of(const std::string& host) const {
  auto it = m_hosts.find(host);
  return it == m_hosts.end() ? nullptr : it->second.get();
}

Result<void> RemoteHostAccess::connect(HostState& state) {
  auto transport = m_options.connect(state.config);
  if (!transport) return std::unexpected(transport.error());
  state.transport = std::move(*transport);
  // Warmed first, so that its first virsh starts while the lock is taken,
  // the ledger loaded and the host observed.
  const HostSession::Lock locking{
      .take = m_options.take_lock ? HostSession::Lock::Take::yes : HostSession::Lock::Take::no,
      .wait = m_options.lock_wait,
      .holder = m_options.holder,
      .before = [this, &state]() -> Result<void> {
        if (m_options.before_lock) {
          if (auto go_on = m_options.before_lock(); !go_on) return go_on;
        }
        if (m_options.take_lock) lock_earlier_hosts(state);
        return {};
      }};
  auto session = HostSession::open(state.config, *state.transport, m_stack, locking, HostSession::Warm::yes);
  if (!session) return std::unexpected(session.error());
  state.session = std::move(*session);
  // Loaded after the lock is held: no other apply of the stack changes it now.
  auto ledger = Ledger::load(state.session->transport(), m_stack, state.config.become, m_options.ledger_dir);
  if (!ledger) return std::unexpected(with_permission_hint(state.config, ledger.error()));
  {
    std::lock_guard lock(state.ledger_mutex);
    state.ledger = std::move(*ledger);
  }
  state.saver = std::jthread([this, &state](std::stop_token stop) { save_in_background(state, stop); });
  return {};
}

// With --lock-wait, two applies that each took one host's lock and wait for
// the other's would both wait out the whole timeout. Locks are taken in one
// order, by host name, so they cannot: before a host's lock, every host
// named before it has had its turn (its connection made here if no one else
// is making it). Waits go only towards earlier hosts, so they never form a
// cycle. Without a wait nothing waits, and hosts lock side by side.
void RemoteHostAccess::lock_earlier_hosts(const HostState& state) {
  if (m_options.lock_wait.count() <= 0) return;
  for (const auto& [name, earlier] : m_hosts) {
    if (earlier.get() == &state) break;
    (void)session(name);  // its outcome is its own steps' business
  }
}

Result<HostSession*> RemoteHostAccess::session(const std::string& host) {
  HostState* state = state_of(host);
  if (state == nullptr) return fail(ErrorCode::invalid, fmt::format("{}: not a host of the stack", host));
  std::lock_guard lock(state->connect_mutex);
  if (!state->tried) {
    state->tried = true;
    if (auto connected = connect(*state); !connected) {
      state->error = connected.error();
      state->session.reset();  // before the transport it holds open
      state->transport.reset();
    }
  }
  if (state->error) return std::unexpected(*state->error);
  // A lock lost since stops the host's remaining work (decision 10).
  if (auto held = state->check_lock(); !held) return std::unexpected(held.error());
  return state->session.get();
}

int RemoteHostAccess::capacity(const std::string& host) const {
  HostState* state = state_of(host);
  if (state == nullptr) return k_default_capacity;
  std::lock_guard lock(state->connect_mutex);
  return state->session ? state->session->capacity() : k_default_capacity;
}

Result<void> RemoteHostAccess::record_intents(const std::string& host, const std::vector<ObjectId>& ids) {
  return change_ledger(
      host,
      [&ids](Ledger& ledger) {
        for (const ObjectId& id : ids) ledger.record_intent(id);
      },
      Wait::saved);
}

Result<void> RemoteHostAccess::mark_created(const ObjectId& id, const nlohmann::json& ledger_data) {
  return change_ledger(
      id.host, [&](Ledger& ledger) { ledger.mark_created(id, ledger_data); }, Wait::recorded);
}

Result<void> RemoteHostAccess::forget(const ObjectId& id) {
  return change_ledger(
      id.host, [&](Ledger& ledger) { ledger.forget(id); }, Wait::recorded);
}

void RemoteHostAccess::finished_with(const std::string& host) {
  HostState* state = state_of(host);
  if (state == nullptr) return;
  {
    std::lock_guard lock(state->ledger_mutex);
    state->finished = true;
  }
  state->saved_changed.notify_all();
}

// The last saves run side by side, one per host: one after another they
// added a save's round trip per host to the end of every apply. Errors come
// in host-name order.
std::vector<Error> RemoteHostAccess::flush() {
  std::vector<std::future<Result<void>>> saves;
  for (auto& [name, state] : m_hosts) {
    finished_with(name);
    {
      std::lock_guard lock(state->connect_mutex);
      if (!state->session) continue;  // never reached: nothing recorded there
    }
    std::uint64_t version = 0;
    {
      std::lock_guard lock(state->ledger_mutex);
      version = state->version;
    }
    saves.push_back(std::async(std::launch::async,
                               [this, &state = *state, version] { return save_through(state, version); }));
  }
  std::vector<Error> errors;
  for (auto& save : saves) {
    if (auto saved = save.get(); !saved) errors.push_back(saved.error());
  }
  return errors;
}

Result<void> RemoteHostAccess::change_ledger(const std::string& host,
                                             const std::function<void(Ledger&)>& edit, Wait wait) {
  auto session = this->session(host);
  if (!session) return std::unexpected(session.error());
  HostState& state = *state_of(host);
  std::uint64_t version = 0;
  {
    std::lock_guard lock(state.ledger_mutex);
    edit(*state.ledger);
    version = ++state.version;
  }
  if (wait == Wait::recorded) {
    state.saved_changed.notify_all();  // the saver's turn
    return {};
  }
  return save_through(state, version);
}

// Once there is something new, pauses first, so that the records made
// meanwhile go in the same write (a host's first records come in a burst as
// its first steps end: saving the first at once cost a write per host for
// little), then saves, unless a save is in flight or carried it already. A
// host the apply is finished with cuts the pause short. A failed save is not
// retried until something changes again (or flush() asks).
void RemoteHostAccess::save_in_background(HostState& state, std::stop_token stop) {
  std::unique_lock lock(state.ledger_mutex);
  const auto unsaved = [&] { return state.version > state.attempted && !state.saving; };
  while (state.saved_changed.wait(lock, stop, unsaved)) {
    state.saved_changed.wait_for(lock, stop, m_options.background_pause, [&] { return state.finished; });
    if (stop.stop_requested()) return;              // flush() saves what is left
    if (unsaved()) (void)save_newest(state, lock);  // flush() reports what stays unsaved
  }
}

// Returns once a save holding `version` is on the host. Whoever finds no save
// in flight writes the newest ledger, which holds every change made so far;
// the others wait for it and, if it did not cover them, take the next turn.
Result<void> RemoteHostAccess::save_through(HostState& state, std::uint64_t version) {
  std::unique_lock lock(state.ledger_mutex);
  while (true) {
    state.saved_changed.wait(lock, [&] { return state.saved >= version || !state.saving; });
    if (state.saved >= version) return {};
    if (auto saved = save_newest(state, lock); !saved) return saved;
  }
}

// Writes the ledger as it is now, with `lock` (on state.ledger_mutex) held
// on entry and exit but not while writing.
Result<void> RemoteHostAccess::save_newest(HostState& state, std::unique_lock<std::mutex>& lock) {
  state.saving = true;
  const std::uint64_t carrying = state.version;
  state.attempted = std::max(state.attempted, carrying);
  const Ledger snapshot = *state.ledger;
  lock.unlock();
  // Through the guarded transport: no ledger write once the lock is lost.
  auto saved = snapshot.save(state.session->transport(), state.config.become, m_options.ledger_dir);
  if (!saved) saved = std::unexpected(with_permission_hint(state.config, saved.error()));
  lock.lock();
  state.saving = false;
  ++state.writes;
  if (saved) state.saved = std::max(state.saved, carrying);
  state.saved_changed.notify_all();
  return saved;
}

std::optional<Ledger> RemoteHostAccess::ledger(const std::string& host) const {
  HostState* state = state_of(host);
  if (state == nullptr) return std::nullopt;
  std::lock_guard lock(state->ledger_mutex);
  return state->ledger;
}

int RemoteHostAccess::ledger_writes(const std::string& host) const {
  HostState* state = state_of(host);
  if (state == nullptr) return 0;
  std::lock_guard lock(state->ledger_mutex);
  return state->writes;
}

}  // namespace virtplan::providers
