#include "storage/volume_reader.h"

#include "providers/host/ledger.h"
#include "providers/virsh/list_dump_reading.h"
#include "storage/pool_gone.h"
#include "storage/volume_actuator.h"
#include "storage/volume_kind.h"
#include "storage/volume_users.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace virtplan::storage {

namespace {

using nlohmann::json;
using providers::ErrorCode;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

// Round 1: the pools and the domains (all, running). Round 2: each pool's
// volumes, each domain's inactive XML and each running domain's live XML (a
// disk attached live only is in use too). Round 3: each volume's XML. What
// the stack declares is asked for in round 1 already (its volumes' XML, its
// pools' volume lists, its domains' XML, live too for one declared running;
// when owned() comes first, only for what the stack owns), so rounds 2 and 3
// read only what was not asked yet; a dump of something the listings then do
// not show is not used.
// A pool the stack does not need (see forgiven()) may stop or vanish between
// the rounds: its volumes are then not there. Any other volume that cannot be
// read fails the reading.
class VolumeReading : public providers::KindReading {
public:
  explicit VolumeReading(const std::vector<providers::StackObject>& declared) {
    for (const providers::StackObject& object : declared) {
      if (object.id.kind == "pool") {
        m_needed.insert(object.id.name);
      } else if (object.id.kind == "volume" && object.spec.contains("pool") &&
                 object.spec["pool"].is_string()) {
        const std::string pool = object.spec["pool"].get<std::string>();
        m_needed.insert(pool);
        m_ahead.push_back({"volume", object.id.name, volume_command(pool, object.id.name), pool});
      } else if (object.id.kind == "domain") {
        m_ahead.push_back({"domain", object.id.name, domain_command(object.id.name, false)});
        if (object.spec.value("state", "running") != "stopped") {
          m_ahead.push_back({"domain", object.id.name, domain_command(object.id.name, true)});
        }
      }
    }
    for (const std::string& pool : m_needed) m_ahead.push_back({"pool", pool, list_command(pool)});
  }

  void owned(const providers::Ledger& ledger) override {
    for (const providers::LedgerEntry& entry : ledger.entries()) {
      if (entry.kind == "pool") m_needed.insert(entry.name);
    }
    if (m_stage != 0) return;
    // A volume is owned by its pool's entry, or by a legacy one (its name alone).
    std::erase_if(m_ahead, [&](const Ahead& ahead) {
      return !ledger.owns(providers::ObjectId{ahead.kind, ahead.name, "", ahead.pool}) &&
             !ledger.owns(ahead.kind, ahead.name);
    });
  }

  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    m_results.answer(previous);
    switch (m_stage++) {
      case 0: {
        std::vector<VirshArgs> commands{k_pools, k_domains, k_running};
        for (const Ahead& ahead : m_ahead) commands.push_back(ahead.command);
        return m_results.ask(commands);
      }
      case 1:
        return m_results.ask(list_volumes());
      case 2:
        return m_results.ask(dump_volumes());
    }
    return {};
  }

  Result<std::vector<ReadObject>> finish() override {
    if (m_error) return std::unexpected(*m_error);
    if (auto read = read_disks(); !read) return std::unexpected(read.error());
    if (auto listed = read_lists(); !listed) return std::unexpected(listed.error());
    std::vector<ReadObject> objects, unrepresentable;
    std::vector<std::string> paths;  // of `objects`, in their order
    for (const auto& [pool, name] : volumes()) {
      const Result<std::string>* xml = m_results.find(volume_command(pool, name));
      if (xml == nullptr) continue;  // never answered: the reading stopped early
      if (!*xml) {
        if (forgiven(xml, pool)) continue;
        // Deleted between the list and the dump: it is not there.
        if (xml->error().code() == ErrorCode::not_found && !pool_gone(xml, pool)) continue;
        return std::unexpected(xml->error().with_context(pool + "/" + name));
      }
      auto spec = volume_kind().parse_xml(**xml);
      if (!spec) {
        unrepresentable.push_back(providers::unrepresentable_object(name, spec.error(), std::nullopt, pool));
        continue;
      }
      auto path = volume_path(**xml);
      if (!path) return std::unexpected(path.error().with_context(pool + "/" + name));
      (*spec)["pool"] = pool;
      (*spec)["used_by"] = users(pool, name, *path);
      paths.push_back(*path);
      objects.push_back(ReadObject{name, std::move(*spec), std::nullopt, pool});
    }
    add_backing_of(objects, paths);
    std::move(unrepresentable.begin(), unrepresentable.end(), std::back_inserter(objects));
    return objects;
  }

private:
  // A first-round command, and the object whose reading it speeds up.
  struct Ahead {
    std::string kind;
    std::string name;
    VirshArgs command;
    std::string pool = {};  // a volume's
  };

  static inline const VirshArgs k_pools{"pool-list", "--name"};
  static inline const VirshArgs k_domains{"list", "--all", "--name"};
  static inline const VirshArgs k_running{"list", "--name"};

  static VirshArgs list_command(const std::string& pool) { return {"vol-list", "--pool", pool}; }
  static VirshArgs volume_command(const std::string& pool, const std::string& name) {
    return {"vol-dumpxml", "--pool", pool, "--vol", name};
  }
  static VirshArgs domain_command(const std::string& domain, bool live) {
    if (live) return {"dumpxml", "--domain", domain};
    return {"dumpxml", "--inactive", "--security-info", "--domain",
            domain};  // as the domain reader asks: one dump
  }

  // Round 2: every active pool's volumes and every domain's XML not read
  // yet, and the XML of the volumes round 1's lists show.
  std::vector<VirshArgs> list_volumes() {
    auto listed = providers::read_name_sets(m_results, {k_pools, k_domains, k_running});
    if (!listed) {
      m_error = listed.error();
      return {};
    }
    m_pools.assign((*listed)[0].begin(), (*listed)[0].end());
    m_domains.assign((*listed)[1].begin(), (*listed)[1].end());
    m_running = std::move((*listed)[2]);
    // Without a pool there is no volume, and nobody to use one.
    if (m_pools.empty()) return {};
    std::vector<VirshArgs> commands;
    for (const std::string& pool : m_pools) commands.push_back(list_command(pool));
    for (const std::string& domain : m_domains) {
      commands.push_back(domain_command(domain, false));
      if (m_running.contains(domain)) commands.push_back(domain_command(domain, true));
    }
    for (const auto& [pool, name] : volumes()) commands.push_back(volume_command(pool, name));
    return commands;
  }

  // Round 3: the XML of the volumes round 2's lists show.
  std::vector<VirshArgs> dump_volumes() {
    std::vector<VirshArgs> commands;
    for (const auto& [pool, name] : volumes()) commands.push_back(volume_command(pool, name));
    return commands;
  }

  // (pool, name) of every volume the answered lists of the active pools show,
  // in the pools' order. A pool whose list failed shows none (read_lists()
  // says whether that is all right).
  std::vector<std::pair<std::string, std::string>> volumes() const {
    std::vector<std::pair<std::string, std::string>> found;
    for (const std::string& pool : m_pools) {
      const Result<std::string>* list = m_results.find(list_command(pool));
      if (list == nullptr || !*list) continue;
      for (const std::string& name : parse_volume_table(**list)) found.emplace_back(pool, name);
    }
    return found;
  }

  // Fails for a listed pool whose volumes could not be listed, unless that
  // is forgiven.
  Result<void> read_lists() const {
    for (const std::string& pool : m_pools) {
      const Result<std::string>* list = m_results.find(list_command(pool));
      if (list == nullptr || *list || forgiven(list, pool)) continue;
      return std::unexpected(list->error().with_context(pool));
    }
    return {};
  }

  // Whether a failed `answer` about `pool` is no failure: it says the pool
  // stopped or was undefined since it was listed (pool_gone()), and the stack
  // neither declares it, nor names it in a volume, nor owns it: then it just
  // has no volumes now. One the stack needs must be read, or the plan could
  // create over volumes nobody saw.
  bool forgiven(const Result<std::string>* answer, const std::string& pool) const {
    return !m_needed.contains(pool) && pool_gone(answer, pool);
  }

  // Every listed domain's disks, from its inactive XML and, when it runs, its
  // live XML. A domain undefined or stopped since the listing uses nothing.
  Result<void> read_disks() {
    m_disks.clear();
    if (m_pools.empty()) return {};
    for (const std::string& domain : m_domains) {
      for (const bool live : {false, true}) {
        if (live && !m_running.contains(domain)) continue;
        const Result<std::string>* xml = m_results.find(domain_command(domain, live));
        if (xml == nullptr || !*xml) continue;
        auto disks = read_domain_disks(**xml, live);
        if (!disks) return std::unexpected(disks.error().with_context("domain " + domain));
        std::move(disks->begin(), disks->end(), std::back_inserter(m_disks));
      }
    }
    return {};
  }

  // [{"domain": "web", "disk": "vda", "running": true}], one per domain disk,
  // sorted; a running domain's disk counted once.
  json users(const std::string& pool, const std::string& name, const std::string& path) const {
    std::map<std::pair<std::string, std::string>, bool> found;
    for (const DomainDisk& disk : disks_using(m_disks, pool, name, path)) {
      found[{disk.domain, disk.target}] |= disk.running;
    }
    json out = json::array();
    for (const auto& [key, running] : found) {
      out.push_back({{"domain", key.first}, {"disk", key.second}, {"running", running}});
    }
    return out;
  }

  // Each volume whose path is another's backing file gets that one's name
  // in `backing_of`.
  static void add_backing_of(std::vector<ReadObject>& objects, const std::vector<std::string>& paths) {
    std::map<std::string, std::size_t> by_path;
    for (std::size_t i = 0; i < paths.size(); ++i) by_path[paths[i]] = i;
    std::map<std::size_t, std::set<std::string>> overlays;
    for (const ReadObject& object : objects) {
      if (!object.spec.contains("backing_store")) continue;
      auto it = by_path.find(object.spec["backing_store"].value("path", ""));
      if (it != by_path.end()) overlays[it->second].insert(object.name);
    }
    for (std::size_t i = 0; i < objects.size(); ++i) {
      objects[i].spec["backing_of"] = json::array();
      for (const std::string& name : overlays[i]) objects[i].spec["backing_of"].push_back(name);
    }
  }

  std::set<std::string> m_needed;  // pools declared, named by a declared volume, or owned
  std::vector<Ahead> m_ahead;
  int m_stage = 0;
  providers::CommandResults m_results;
  std::vector<std::string> m_pools;    // active, sorted
  std::vector<std::string> m_domains;  // all, sorted
  std::set<std::string> m_running;
  std::vector<DomainDisk> m_disks;
  std::optional<providers::Error> m_error;
};

}  // namespace

std::vector<std::string> parse_volume_table(const std::string& output) {
  std::vector<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  return names;
}

std::vector<std::string> VolumeReader::ledger_keys() const { return volume_ledger_keys(); }

std::unique_ptr<providers::KindReading> VolumeReader::start(
    const std::vector<providers::StackObject>& declared) const {
  return std::make_unique<VolumeReading>(declared);
}

}  // namespace virtplan::storage
