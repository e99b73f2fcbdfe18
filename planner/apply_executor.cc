#include "planner/apply_executor.h"

#include "planner/apply_graph.h"
#include "planner/apply_host_gate.h"
#include "planner/apply_migration.h"
#include "planner/apply_roll_gate.h"
#include "planner/apply_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace virtplan::planner {

using providers::ObjectId;

namespace {

enum class Phase { waiting, running, finished };

// A host's steps that may start, best first: the highest (the longest chain
// of steps waiting on it: ApplyGraph::heights), then the first by address
// (the graph's order).
struct ReadyOrder {
  const std::vector<std::size_t>* height;
  bool operator()(std::size_t a, std::size_t b) const {
    return (*height)[a] != (*height)[b] ? (*height)[a] > (*height)[b] : a < b;
  }
};
using ReadySteps = std::set<std::size_t, ReadyOrder>;

// The hosts the graph's steps run on, sorted, once each.
std::vector<std::string> hosts_of(const ApplyGraph& graph) {
  std::set<std::string> hosts;
  for (std::size_t i = 0; i < graph.size(); ++i) hosts.insert(graph.step(i).id.host);
  return {hosts.begin(), hosts.end()};
}

// Scheduler runs an ApplyGraph with a pool of workers. One mutex guards the
// phases and counters; observer calls are serialized by a second one and are
// never made while the first is held, so an observer cannot stall scheduling.
class Scheduler {
public:
  Scheduler(const ApplyGraph& graph, const std::string& stack, const ActuatorLookup& actuators,
            providers::HostAccess& hosts, ApplyObserver& observer, const ApplyOptions& options)
      : m_graph(graph),
        m_stack(stack),
        m_actuators(actuators),
        m_hosts(hosts),
        m_observer(observer),
        m_options(options),
        m_gate(hosts, intents_by_host(graph)),
        m_rolls(graph),
        m_height(graph.heights()),
        m_host_names(hosts_of(graph)),
        m_phase(graph.size(), Phase::waiting),
        m_unmet(graph.size()),
        m_ready(m_host_names.size(), ReadySteps(ReadyOrder{&m_height})),
        m_results(graph.size()) {
    for (std::size_t i = 0; i < graph.size(); ++i) {
      m_unmet[i] = graph.dependencies(i).size();
      ++m_left_on[graph.step(i).id.host];
      if (m_unmet[i] == 0) ready_on_host(i).insert(i);
    }
  }

  std::vector<StepResult> run() {
    std::size_t workers = 0;
    for (const std::string& host : m_host_names) {
      m_capacity[host] = std::max(1, m_hosts.capacity(host));
      workers += static_cast<std::size_t>(m_capacity[host]);
    }
    if (m_options.parallelism > 0)
      workers = std::min(workers, static_cast<std::size_t>(m_options.parallelism));
    workers = std::clamp<std::size_t>(workers, 1, std::max<std::size_t>(1, m_graph.size()));
    {
      std::vector<std::jthread> pool;
      for (std::size_t i = 0; i < workers; ++i) pool.emplace_back([this] { work(); });
    }
    return std::move(m_results);
  }

private:
  void work() {
    while (auto next = take()) {
      const Change& change = m_graph.step(*next);
      notify([&] { m_observer.step_started(change.id, change.action); });
      prepare(change.id.host);  // after saying the step started: it may open the host's session
      auto progress = [this, &change](std::string_view text) {
        notify([&] { m_observer.step_progress(change.id, text); });
      };
      StepResult result =
          change.action == Action::migrate
              ? migrate(*next, progress)
              : run_apply_step(change, m_stack, m_actuators, m_hosts, m_gate, m_options.stop, progress);
      finish(*next, std::move(result));
    }
  }

  // At the first step on a host, each kind with steps there other than
  // destroys starts what it needs of the host once (KindActuator::prepare),
  // in the background, so that its own steps later do not wait for it.
  void prepare(const std::string& host) {
    {
      std::lock_guard lock(m_mutex);
      if (!m_prepared.insert(host).second) return;
    }
    auto session = m_gate.session(host);
    if (!session) return;  // the step says why
    for (const std::string& kind : kinds_to_prepare(host)) {
      if (const providers::KindActuator* actuator = m_actuators(kind)) actuator->prepare(**session);
    }
  }

  std::set<std::string> kinds_to_prepare(const std::string& host) const {
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < m_graph.size(); ++i) {
      const Change& change = m_graph.step(i);
      if (change.id.host == host && change.action != Action::destroy) kinds.insert(change.id.kind);
    }
    return kinds;
  }

  // A migrate: what moves with another was moved by that one's step, which
  // it waits for (ApplyGraph); the other carries what moves with it.
  StepResult migrate(std::size_t index, const std::function<void(std::string_view)>& progress) {
    const Change& change = m_graph.step(index);
    if (!change.moves_with.empty()) return StepResult{change.id, change.action, StepStatus::done, {}, {}, {}};
    std::vector<const Change*> carried;
    for (std::size_t then : m_graph.dependents(index)) {
      if (m_graph.step(then).moves_with == change.id.address()) carried.push_back(&m_graph.step(then));
    }
    return run_migration_step(change, carried, m_stack, m_actuators, m_hosts, m_gate, progress);
  }

  // The next step that may start, waiting while none may; nullopt when all are finished.
  std::optional<std::size_t> take() {
    std::unique_lock lock(m_mutex);
    std::optional<std::size_t> next;
    m_changed.wait(lock, [&] { return m_finished == m_graph.size() || (next = runnable()); });
    if (!next) return std::nullopt;
    ready_on_host(*next).erase(*next);
    m_phase[*next] = Phase::running;
    m_rolls.started(*next);
    const std::string& host = m_graph.step(*next).id.host;
    ++m_running_on[host];
    m_turn = host_index(host) + 1;
    return next;
  }

  // The next step to start: hosts take turns, from the one after the host
  // that started a step last, so that under --parallelism no host waits for
  // another's steps (ties by address would run one host's steps, then the
  // next's); a host with as many steps running as it takes passes its turn.
  // On its turn, a host starts its first ready step (ReadyOrder) that may
  // start: a replica group's member waits its turn in the group's roll
  // (ApplyRollGate). Every worker asks this each time a step ends, so it
  // looks only at the ready steps, never at the whole graph (which made an
  // apply of 600 steps on 24 workers scan ~9 million steps).
  std::optional<std::size_t> runnable() const {
    for (std::size_t k = 0; k < m_host_names.size(); ++k) {
      const std::size_t h = (m_turn + k) % m_host_names.size();
      auto running = m_running_on.find(m_host_names[h]);
      if (running != m_running_on.end() && running->second >= m_capacity.at(m_host_names[h])) continue;
      for (std::size_t i : m_ready[h]) {
        if (m_rolls.may_start(i)) return i;
      }
    }
    return std::nullopt;
  }

  ReadySteps& ready_on_host(std::size_t index) { return m_ready[host_index(m_graph.step(index).id.host)]; }

  std::size_t host_index(const std::string& host) const {
    return static_cast<std::size_t>(std::lower_bound(m_host_names.begin(), m_host_names.end(), host) -
                                    m_host_names.begin());
  }

  // The observer hears of a step's end before anything waiting on it starts.
  void finish(std::size_t index, StepResult result) {
    notify([&] { m_observer.step_finished(result); });
    std::vector<StepResult> skipped;  // or failed with their host
    std::vector<std::string> done_hosts;
    {
      std::lock_guard lock(m_mutex);
      --m_running_on[m_graph.step(index).id.host];
      const bool ok = result.status == StepStatus::done;
      settle(index, std::move(result));
      if (ok) {
        for (std::size_t then : m_graph.dependents(index)) {
          if (--m_unmet[then] == 0 && m_phase[then] == Phase::waiting) ready_on_host(then).insert(then);
        }
      } else {
        skip_dependents(index, skipped);
      }
      // A failed member stops its group's roll: the members not started are left.
      for (std::size_t left : m_rolls.finished(index, ok)) {
        if (m_phase[left] != Phase::waiting) continue;
        const Change& change = m_graph.step(left);
        settle(left,
               StepResult{change.id, change.action, StepStatus::skipped, m_rolls.left_reason(left), {}, {}});
        skipped.push_back(m_results[left]);
        skip_dependents(left, skipped);
      }
      done_hosts.swap(m_done_hosts);
    }
    m_changed.notify_all();
    for (const StepResult& s : skipped) notify([&] { m_observer.step_finished(s); });
    // A host whose steps are all over saves its ledger now, while others work on.
    for (const std::string& host : done_hosts) m_hosts.finished_with(host);
  }

  void settle(std::size_t index, StepResult result) {
    ready_on_host(index).erase(index);
    m_results[index] = std::move(result);
    m_phase[index] = Phase::finished;
    ++m_finished;
    if (--m_left_on[m_graph.step(index).id.host] == 0) m_done_hosts.push_back(m_graph.step(index).id.host);
  }

  // Everything that waits on a step that did not get done is skipped, with
  // the dependency that stopped it: "needs volume.x@lab1, which failed";
  // but on a host known to be unreachable it fails with the host's error,
  // as it would have had it run.
  void skip_dependents(std::size_t index, std::vector<StepResult>& skipped) {
    const Change& cause = m_graph.step(index);
    const std::string why = m_results[index].status == StepStatus::failed ? "failed" : "was skipped";
    for (std::size_t then : m_graph.dependents(index)) {
      if (m_phase[then] != Phase::waiting) continue;
      const Change& change = m_graph.step(then);
      StepResult result{change.id,
                        change.action,
                        StepStatus::skipped,
                        fmt::format("needs {}, which {}", cause.id.address(), why),
                        {},
                        {}};
      if (auto host_error = m_gate.unreachable(change.id.host)) {
        result.status = StepStatus::failed;
        result.reason = host_error->message();
      }
      settle(then, std::move(result));
      m_rolls.dropped(then);
      skipped.push_back(m_results[then]);
      skip_dependents(then, skipped);
    }
  }

  template <typename Call>
  void notify(Call call) {
    std::lock_guard lock(m_observer_mutex);
    call();
  }

  const ApplyGraph& m_graph;
  const std::string& m_stack;
  const ActuatorLookup& m_actuators;
  providers::HostAccess& m_hosts;
  ApplyObserver& m_observer;
  const ApplyOptions& m_options;
  ApplyHostGate m_gate;
  ApplyRollGate m_rolls;                        // guarded by m_mutex
  const std::vector<std::size_t> m_height;      // ApplyGraph::heights
  const std::vector<std::string> m_host_names;  // the graph's hosts, sorted
  std::map<std::string, int> m_capacity;        // steps each host takes at once, set by run()

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<Phase> m_phase;
  std::vector<std::size_t> m_unmet;
  std::vector<ReadySteps> m_ready;  // per host (as m_host_names): waiting, nothing unmet
  std::map<std::string, int> m_running_on;
  std::map<std::string, std::size_t> m_left_on;  // steps not finished, per host
  std::vector<std::string> m_done_hosts;         // hosts whose last step just finished
  std::set<std::string> m_prepared;              // hosts whose kinds were prepared
  std::size_t m_turn = 0;                        // index into m_host_names of the host whose turn is next
  std::size_t m_finished = 0;
  std::vector<StepResult> m_results;
  std::mutex m_observer_mutex;
};

// A line for each replica group's roll that a failed member stopped: which
// members were done, which failed, which were left.
std::vector<std::string> stopped_rolls(const Plan& plan, const std::vector<StepResult>& results) {
  std::map<ObjectId, StepStatus> status;
  for (const StepResult& r : results) status.emplace(r.id, r.status);
  std::vector<std::string> out;
  for (const Roll& roll : rolls_of(plan.changes())) {
    RollOutcome outcome;
    for (const ObjectId& member : roll.members) {
      auto it = status.find(member);
      if (it == status.end()) continue;
      auto& list = it->second == StepStatus::done     ? outcome.done
                   : it->second == StepStatus::failed ? outcome.failed
                                                      : outcome.left;
      list.push_back(member.name);
    }
    if (auto line = stopped_roll_line(roll, outcome)) out.push_back(*line);
  }
  return out;
}

}  // namespace

std::map<std::string, std::vector<ObjectId>> intents_by_host(const ApplyGraph& graph) {
  std::map<std::string, std::vector<ObjectId>> out;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Change& c = graph.step(i);
    if (c.action == Action::create || c.action == Action::replace) out[c.id.host].push_back(c.id);
    // A migrate makes the object on its destination (planner/apply_migration.h);
    // not a volume in a shared pool: the destination holds that file already,
    // and owns it only once the domain is defined there (an intent would make
    // it the stack's on both hosts should the migration stop before).
    const bool shared_volume = !c.moves_with.empty() && !c.shared_pools.empty();
    if (c.action == Action::migrate && !shared_volume) {
      ObjectId there = c.id;
      there.host = c.destination;
      out[c.destination].push_back(there);
    }
  }
  return out;
}

ApplyReport apply_plan(const Plan& plan, const KindLookup& kinds, const ActuatorLookup& actuators,
                       providers::HostAccess& hosts, ApplyObserver& observer, const ApplyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  };
  auto graph = ApplyGraph::build(plan, kinds);
  if (!graph) return ApplyReport({}, {graph.error().message() + "; nothing was done"}, elapsed());
  Scheduler scheduler(*graph, plan.stack(), actuators, hosts, observer, options);
  auto results = scheduler.run();
  std::vector<std::string> errors = stopped_rolls(plan, results);
  // The ledgers catch up in the background while steps run; the apply is
  // over when they are on the hosts.
  for (const providers::Error& error : hosts.flush()) {
    errors.push_back(error.message() +
                     "; the stack's ledger there may not list everything this apply made (the next apply "
                     "adopts what it made, as after a crash)");
  }
  return ApplyReport(std::move(results), std::move(errors), elapsed());
}

}  // namespace virtplan::planner
