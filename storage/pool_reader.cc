#include "storage/pool_reader.h"

#include "providers/host/ledger.h"
#include "providers/virsh/list_dump_reading.h"
#include "storage/pool_gone.h"
#include "storage/pool_kind.h"
#include "storage/volume_reader.h"

#include <string_view>

namespace virtplan::storage {

namespace {

using providers::ErrorCode;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// virsh's pool-list, filtered or not, asks each listed pool's info after
// listing them; a pool another client removes in between makes the whole
// listing fail with this (libvirt 9.0), though nothing is wrong with the host.
constexpr std::string_view k_listing_raced = "Could not retrieve pool information";
// How often a raced listing is asked in all. While another client keeps
// defining and undefining a pool, a third to a half of the listings race (lab,
// 30 pools), and more on a loaded machine (33 of 60 in one run): ten attempts
// failed one plan in a lab run; thirty leave a failed reading at about one in
// 10^8 even at 55%. A retry costs one round trip, only when a listing raced; a
// listing that fails so every time still fails the reading, with virsh's words.
constexpr int k_list_attempts = 30;

bool raced(const Result<std::string>* listed) { return providers::failed_saying(listed, k_listing_raced); }

// Names (all, autostart, active), then each pool's inactive XML and, for an
// active pool, its volumes. A declared pool's XML and volumes are asked for
// with the names (a vol-list of a pool that is not active fails, and is not
// used; when owned() comes first, only for the pools the stack owns), so the
// second round reads only the pools not asked for yet.
// A listing that raced with a pool's removal is asked again, alone, before that.
// An active pool's volumes that cannot be listed fail the reading, unless the
// pool just stopped or vanished meanwhile and the stack does not need it.
class PoolReading : public providers::KindReading {
public:
  explicit PoolReading(std::vector<std::string> declared)
      : m_declared(std::move(declared)), m_needed(m_declared.begin(), m_declared.end()) {}

  void owned(const providers::Ledger& ledger) override {
    for (const providers::LedgerEntry& entry : ledger.entries()) {
      if (entry.kind == "pool") m_needed.insert(entry.name);
    }
    if (m_stage != Stage::list) return;
    std::erase_if(m_declared, [&](const std::string& name) { return !ledger.owns("pool", name); });
  }

  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    m_results.answer(previous);
    switch (m_stage) {
      case Stage::list: {
        m_stage = Stage::dump;
        std::vector<VirshArgs> commands{k_all, k_autostart, k_active};
        for (const std::string& name : m_declared) {
          commands.push_back(dump_command(name));
          commands.push_back(volumes_command(name));
        }
        m_list_attempts = 1;
        return m_results.ask(commands);
      }
      case Stage::dump: {
        if (auto again = relist(); !again.empty()) return again;
        m_stage = Stage::done;
        return m_results.ask(dump());
      }
      case Stage::done:
        return {};
    }
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    if (m_error) return std::unexpected(*m_error);
    std::vector<ReadObject> objects;
    for (const std::string& name : m_names) {
      const Result<std::string>* xml = m_results.find(dump_command(name));
      if (xml == nullptr) continue;  // never answered: the reading stopped early
      if (!*xml) {
        // Gone between the listing and the dump: it is not there.
        if (xml->error().code() == ErrorCode::not_found) continue;
        return std::unexpected(xml->error().with_context(name));
      }
      auto spec = pool_kind().parse_xml(**xml);
      if (!spec) {
        objects.push_back(providers::unrepresentable_object(name, spec.error()));
        continue;
      }
      (*spec)["autostart"] = m_autostart.contains(name);
      (*spec)["active"] = m_active.contains(name);
      // What a replace would take away; unknown (left out) for an inactive
      // pool, and for one the stack does not need that stopped or vanished
      // since the listing. A pool of the stack's whose volumes nobody saw
      // could be replaced over them: that fails.
      const Result<std::string>* volumes = m_results.find(volumes_command(name));
      if (m_active.contains(name) && volumes != nullptr) {
        if (*volumes) {
          (*spec)["volumes"] = parse_volume_table(**volumes);
        } else if (m_needed.contains(name) || !pool_gone(volumes, name)) {
          return std::unexpected(volumes->error().with_context(name));
        }
      }
      objects.push_back(ReadObject{name, std::move(*spec), std::nullopt});
    }
    return objects;
  }

private:
  static inline const VirshArgs k_all{"pool-list", "--all", "--name"};
  static inline const VirshArgs k_autostart{"pool-list", "--all", "--name", "--autostart"};
  static inline const VirshArgs k_active{"pool-list", "--name"};

  static VirshArgs dump_command(const std::string& name) {
    return {"pool-dumpxml", "--inactive", "--pool", name};
  }
  static VirshArgs volumes_command(const std::string& name) { return {"vol-list", "--pool", name}; }

  enum class Stage { list, dump, done };

  // The listings that raced, forgotten and asked again; none once every
  // listing answered or the attempts ran out (the failure then stands).
  std::vector<VirshArgs> relist() {
    if (m_list_attempts >= k_list_attempts) return {};
    std::vector<VirshArgs> again;
    for (const VirshArgs& list : {k_all, k_autostart, k_active}) {
      if (!raced(m_results.find(list))) continue;
      m_results.forget(list);
      again.push_back(list);
    }
    if (again.empty()) return {};
    ++m_list_attempts;
    return m_results.ask(again);
  }

  // The listings' pools the first round did not read.
  std::vector<VirshArgs> dump() {
    auto listed = providers::read_name_sets(m_results, {k_all, k_autostart, k_active});
    if (!listed) {
      m_error = listed.error();
      return {};
    }
    m_names.assign((*listed)[0].begin(), (*listed)[0].end());
    m_autostart = std::move((*listed)[1]);
    m_active = std::move((*listed)[2]);
    std::vector<VirshArgs> commands;
    for (const std::string& name : m_names) {
      commands.push_back(dump_command(name));
      if (m_active.contains(name)) commands.push_back(volumes_command(name));
    }
    return commands;
  }

  std::vector<std::string> m_declared;
  std::set<std::string> m_needed;  // declared or owned
  Stage m_stage = Stage::list;
  int m_list_attempts = 0;
  providers::CommandResults m_results;
  std::vector<std::string> m_names;
  std::set<std::string> m_autostart;
  std::set<std::string> m_active;
  std::optional<providers::Error> m_error;
};

}  // namespace

std::unique_ptr<providers::KindReading> PoolReader::start(
    const std::vector<providers::StackObject>& declared) const {
  return std::make_unique<PoolReading>(providers::declared_names(declared, "pool"));
}

}  // namespace virtplan::storage
