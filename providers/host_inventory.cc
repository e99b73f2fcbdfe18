#include "providers/host_inventory.h"

#include "providers/virsh_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

namespace virtplan::providers {

namespace {

// Runs every reading's rounds together: round k of all kinds is one batch.
void run_rounds(const VirshRunner& virsh, std::vector<std::unique_ptr<KindReading>>& readings) {
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
}

}  // namespace

Result<HostInventory> read_host_inventory(const std::string& stack, const HostConfig& host,
                                          Transport& transport,
                                          const std::vector<const KindReader*>& readers) {
  // The ledger and libvirt are read at the same time: two round trips overlap.
  auto ledger = std::async(std::launch::async,
                           [&] { return Ledger::load(transport, stack, host.become); });

  VirshRunner virsh(transport, host.libvirt_uri, host.become);
  std::vector<std::unique_ptr<KindReading>> readings;
  for (const auto* reader : readers) readings.push_back(reader->start());
  run_rounds(virsh, readings);

  auto loaded = ledger.get();
  if (!loaded) return fail(loaded.error());

  HostInventory inventory{{}, std::move(*loaded)};
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const std::string kind(readers[i]->kind());
    auto objects = readings[i]->finish();
    if (!objects) return fail(objects.error().with_context(fmt::format("{}: reading {}s", host.name, kind)));
    inventory.kinds.push_back(KindObjects{kind, std::move(*objects)});
  }
  return inventory;
}

}  // namespace virtplan::providers
