#include "providers/host/host_inventory.h"

#include "providers/host/host_session.h"
#include "providers/virsh/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <map>

namespace virtplan::providers {

namespace {

// Runs every reading's rounds together: round k of all kinds is one batch.
// A command several readings ask in one round (the volume reader reads the
// domains' XML too) runs once, and each gets its result.
void run_rounds(const VirshRunner& virsh, std::vector<std::unique_ptr<KindReading>>& readings) {
  std::vector<std::vector<Result<std::string>>> previous(readings.size());
  std::vector<bool> active(readings.size(), true);
  while (std::any_of(active.begin(), active.end(), [](bool a) { return a; })) {
    std::vector<VirshArgs> batch;
    std::map<VirshArgs, std::size_t> index;                        // command -> its place in the batch
    std::vector<std::vector<std::size_t>> asked(readings.size());  // each reading's, as batch places
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!active[i]) continue;
      auto commands = readings[i]->next_round(previous[i]);
      if (commands.empty()) {
        active[i] = false;
        continue;
      }
      for (auto& command : commands) {
        auto [at, added] = index.try_emplace(command, batch.size());
        if (added) batch.push_back(std::move(command));
        asked[i].push_back(at->second);
      }
    }
    if (batch.empty()) break;
    auto results = virsh.batch(batch);
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!active[i]) continue;
      previous[i].clear();
      for (std::size_t at : asked[i]) previous[i].push_back(results.at(at));
    }
  }
}

std::vector<std::unique_ptr<KindReading>> start(const std::vector<const KindReader*>& readers,
                                                const std::vector<StackObject>& declared) {
  std::vector<std::unique_ptr<KindReading>> readings;
  for (const auto* reader : readers) readings.push_back(reader->start(declared));
  return readings;
}

// What the stack declares on `host`.
std::vector<StackObject> declared_on(const std::string& host, const std::vector<StackObject>& declared) {
  std::vector<StackObject> here;
  std::copy_if(declared.begin(), declared.end(), std::back_inserter(here),
               [&host](const StackObject& object) { return object.id.host == host; });
  return here;
}

// Each reading's objects, once every one was told what the stack owns.
Result<HostInventory> finish(const HostConfig& host, const std::vector<const KindReader*>& readers,
                             std::vector<std::unique_ptr<KindReading>>& readings, Ledger ledger,
                             std::vector<StackObject> here) {
  HostInventory inventory{host.name, {}, std::move(ledger), std::move(here)};
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const std::string kind(readers[i]->kind());
    auto objects = readings[i]->finish();
    if (!objects) return fail(objects.error().with_context(fmt::format("{}: reading {}s", host.name, kind)));
    inventory.kinds.push_back(
        KindObjects{kind, std::move(*objects), readers[i]->ledger_keys(), readers[i]->marks_owner()});
  }
  return inventory;
}

}  // namespace

Result<HostInventory> read_host_inventory(HostSession& session, const std::string& stack,
                                          const std::vector<const KindReader*>& readers,
                                          const std::vector<StackObject>& declared,
                                          std::optional<Ledger> ledger) {
  const HostConfig& host = session.config();
  const VirshRunner& virsh = session.reader();
  auto here = declared_on(host.name, declared);
  auto readings = start(readers, here);
  if (ledger) {
    for (auto& reading : readings) reading->owned(*ledger);
    run_rounds(virsh, readings);
    return finish(host, readers, readings, std::move(*ledger), std::move(here));
  }
  // The ledger and libvirt are read at the same time: two round trips overlap.
  auto loading =
      std::async(std::launch::async, [&] { return Ledger::load(session.transport(), stack, host.become); });
  run_rounds(virsh, readings);
  auto loaded = loading.get();
  if (!loaded) return fail(loaded.error());
  for (auto& reading : readings) reading->owned(*loaded);
  return finish(host, readers, readings, std::move(*loaded), std::move(here));
}

}  // namespace virtplan::providers
