#include "planner/observer.h"

#include "providers/ledger.h"
#include "providers/virsh_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

namespace virtplan::planner {

using providers::KindReading;
using providers::Result;
using providers::VirshArgs;

namespace {

// Runs every reading's rounds together: round k of all kinds is one batch.
Result<void> run_rounds(const providers::VirshRunner& virsh,
                        std::vector<std::unique_ptr<KindReading>>& readings) {
  std::vector<std::vector<Result<std::string>>> previous(readings.size());
  std::vector<bool> active(readings.size(), true);
  while (std::any_of(active.begin(), active.end(), [](bool a) { return a; })) {
    std::vector<VirshArgs> batch;
    std::vector<std::pair<std::size_t, std::size_t>> spans(readings.size());  // (first, count)
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!active[i]) continue;
      auto commands = readings[i]->next_round(previous[i]);
      if (commands.empty()) {
        active[i] = false;
        continue;
      }
      spans[i] = {batch.size(), commands.size()};
      batch.insert(batch.end(), commands.begin(), commands.end());
    }
    if (batch.empty()) break;
    auto results = virsh.batch(batch);
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!active[i]) continue;
      const auto [first, count] = spans[i];
      previous[i].assign(results.begin() + static_cast<std::ptrdiff_t>(first),
                         results.begin() + static_cast<std::ptrdiff_t>(first + count));
    }
  }
  return {};
}

Ownership ownership_of(const providers::ReadObject& object, const std::string& kind,
                       const std::string& stack, const providers::Ledger& ledger) {
  // The marker in the object itself wins over the ledger: it travels with
  // the object, the ledger may lag behind a crash.
  if (object.owner) return *object.owner == stack ? Ownership::ours : Ownership::foreign;
  return ledger.owns(kind, object.name) ? Ownership::ours : Ownership::unowned;
}

}  // namespace

Result<std::vector<ObservedObject>> observe_host(
    const std::string& stack, const providers::HostConfig& host, providers::Transport& transport,
    const std::vector<const providers::KindReader*>& readers) {
  // The ledger and libvirt are read at the same time: two round trips overlap.
  auto ledger_future = std::async(std::launch::async, [&] {
    return providers::Ledger::load(transport, stack, host.become);
  });

  providers::VirshRunner virsh(transport, host.libvirt_uri, host.become);
  std::vector<std::unique_ptr<KindReading>> readings;
  for (const auto* reader : readers) readings.push_back(reader->start());
  auto rounds = run_rounds(virsh, readings);
  auto ledger = ledger_future.get();
  if (!rounds) return std::unexpected(rounds.error());
  if (!ledger) return std::unexpected(ledger.error());

  std::vector<ObservedObject> observed;
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const std::string kind(readers[i]->kind());
    auto objects = readings[i]->finish();
    if (!objects) {
      return std::unexpected(objects.error().with_context(fmt::format("{}: reading {}s", host.name, kind)));
    }
    for (auto& object : *objects) {
      const Ownership ownership = ownership_of(object, kind, stack, *ledger);
      observed.push_back(ObservedObject{{kind, object.name, host.name}, std::move(object.spec), ownership,
                                        object.owner.value_or("")});
    }
  }
  return observed;
}

ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const std::vector<const providers::KindReader*>& readers,
                      const TransportFactory& connect) {
  std::vector<std::pair<std::string, std::future<Result<std::vector<ObservedObject>>>>> work;
  for (const auto& entry : hosts) {
    const providers::HostConfig* host = &entry.second;
    work.emplace_back(entry.first, std::async(std::launch::async, [&stack, &readers, &connect, host] {
      auto transport = connect(*host);
      if (!transport) return Result<std::vector<ObservedObject>>(std::unexpected(transport.error()));
      return observe_host(stack, *host, **transport, readers);
    }));
  }
  ObservedState state;
  for (auto& [name, future] : work) {
    auto objects = future.get();
    if (!objects) {
      state.unreachable[name] = objects.error().message();
      continue;
    }
    std::move(objects->begin(), objects->end(), std::back_inserter(state.objects));
  }
  std::sort(state.objects.begin(), state.objects.end(),
            [](const ObservedObject& a, const ObservedObject& b) { return a.id < b.id; });
  return state;
}

}  // namespace virtplan::planner
