#include "kvm/domain_shared_storage.h"

#include "kvm/domain_disk_paths.h"

#include "providers/base/plain_text.h"
#include "providers/base/random_nonce.h"
#include "providers/host/host_script.h"
#include "providers/xml/document.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <optional>
#include <set>
#include <utility>

namespace virtplan::kvm {

using providers::fail;
using providers::HostSession;
using providers::MigrationStep;
using providers::Result;
using providers::XmlDocument;

namespace {

std::string shared_where(const MigrationStep& step) {
  return fmt::format("{}: migrate to {}", step.source.address(), step.object.desired.id.host);
}

// The pool as `host` defines it: its type and target directory.
Result<PoolPlace> pool_on(HostSession& host, const std::string& pool) {
  const std::string where = fmt::format("pool {} on {}", pool, host.config().name);
  auto xml = host.virsh().run({"pool-dumpxml", "--pool", pool});
  if (!xml) return fail(xml.error().with_context(where));
  auto place = pool_place(xml);
  if (!place) return fail(providers::ErrorCode::other, where + ": its XML names no type");
  return *place;
}

// Runs constant shell code on `host`, every value an argument; its output.
Result<std::string> run_script(HostSession& host, std::string_view script, std::string_view name,
                               std::vector<std::string> args) {
  auto ran = providers::run_host_script(host, script, name, std::move(args));
  if (!ran) return fail(ran.error());
  return std::move(ran->out);
}

constexpr std::string_view k_write_token = R"sh(set -e
umask 077
printf '%s\n' "$3" >"$1/$2"
)sh";
constexpr std::string_view k_read_token = R"sh(cat -- "$1/$2" 2>/dev/null || true)sh";
constexpr std::string_view k_remove_token = R"sh(rm -f -- "$1/$2")sh";

// A file pool: whether a file of random content written into its directory
// on the source reads back the same in its directory on the destination.
Result<bool> one_directory(const MigrationStep& step, const std::string& pool, const PoolPlace& here,
                           const PoolPlace& there, HostSession& from, HostSession& to) {
  const std::string token = providers::random_nonce();
  const std::string file = ".virtplan-shared-check-" + token.substr(0, 12);
  auto written = run_script(from, k_write_token, "virtplan-shared-check", {here.target_path, file, token});
  if (!written) {
    return fail(written.error().with_context(
        fmt::format("{}: pool {}: no test file could be written into {} on {}; nothing was changed",
                    shared_where(step), pool, here.target_path, from.config().name)));
  }
  auto read = run_script(to, k_read_token, "virtplan-shared-check", {there.target_path, file});
  auto removed = run_script(from, k_remove_token, "virtplan-shared-check", {here.target_path, file});
  if (!read) return fail(read.error().with_context(shared_where(step) + ": nothing was changed"));
  if (!removed) {
    return fail(removed.error().with_context(fmt::format("{}: pool {}: the test file {}/{} was not removed",
                                                         shared_where(step), pool, here.target_path, file)));
  }
  return providers::trimmed(*read) == token;
}

// Both hosts' view of `pool`, when it is a pool of files in a directory
// (kvm/domain_disk_paths.h: paths_follow_names).
Result<std::optional<std::pair<PoolPlace, PoolPlace>>> file_pools(const MigrationStep& step,
                                                                  const std::string& pool, HostSession& from,
                                                                  HostSession& to) {
  auto here = pool_on(from, pool);
  if (!here) return fail(here.error().with_context(shared_where(step) + ": nothing was changed"));
  if (!paths_follow_names(*here)) return std::nullopt;
  auto there = pool_on(to, pool);
  if (!there) return fail(there.error().with_context(shared_where(step) + ": nothing was changed"));
  return std::pair{*here, *there};
}

Result<std::string> volume_key(HostSession& host, const providers::ObjectId& volume) {
  auto key = host.virsh().run({"vol-key", "--pool", volume.pool, "--vol", volume.name});
  if (!key) return fail(key.error());
  return std::string(providers::trimmed(*key));
}

// --copy-storage-inc when a volume that is copied is an overlay (see the
// header).
std::string copy_storage_flag(const MigrationStep& step) {
  for (const MigrationStep::Carried& volume : step.carried) {
    if (!volume.shared && volume.observed.contains("backing_store")) return "--copy-storage-inc";
  }
  return "--copy-storage-all";
}

// A file pool: how a test file shows it is one directory on both hosts, or
// nullopt when it is not.
Result<std::optional<std::string>> one_directory_proof(const MigrationStep& step, const std::string& pool,
                                                       const std::pair<PoolPlace, PoolPlace>& places,
                                                       HostSession& from, HostSession& to) {
  const auto& [here, there] = places;
  auto one = one_directory(step, pool, here, there, from, to);
  if (!one) return fail(one.error());
  if (!*one) return std::nullopt;
  return fmt::format("a file written into {} on {} is in {} on {}", here.target_path, from.config().name,
                     there.target_path, to.config().name);
}

// A pool of another type (logical, iSCSI, ...), where the volume's key is
// the proof: whether the destination, its pool refreshed, lists the volume
// under the key it has on the source, a key that is not the volume's path (a
// path, which a `disk` pool's volumes have for a key, names a place on each
// host; an LV's UUID or a LUN's serial names the storage). How, or nullopt.
Result<std::optional<std::string>> one_volume_proof(const MigrationStep& step,
                                                    const providers::ObjectId& volume, HostSession& from,
                                                    HostSession& to) {
  const std::string where = fmt::format("{}: pool {}: nothing was changed", shared_where(step), volume.pool);
  auto refreshed = to.virsh().run({"pool-refresh", "--pool", volume.pool});
  if (!refreshed) {
    return fail(
        refreshed.error().with_context(fmt::format("{}: pool {} not refreshed on {}; nothing was changed",
                                                   shared_where(step), volume.pool, to.config().name)));
  }
  auto theirs = volume_key(to, volume);
  if (!theirs && theirs.error().code() == providers::ErrorCode::not_found) return std::nullopt;
  if (!theirs) return fail(theirs.error().with_context(where));
  auto ours = volume_key(from, volume);
  if (!ours) return fail(ours.error().with_context(where));
  if (ours->empty() || *ours != *theirs) return std::nullopt;
  for (HostSession* host : {&from, &to}) {
    auto path = host->virsh().run({"vol-path", "--pool", volume.pool, "--vol", volume.name});
    if (!path) return fail(path.error().with_context(where));
    if (providers::trimmed(*path) == *ours) return std::nullopt;
  }
  return fmt::format("volume {} has the key {} on both", volume.name, *ours);
}

}  // namespace

Result<void> verify_shared_volumes(const MigrationStep& step, HostSession& from, HostSession& to) {
  std::set<std::string> proven;  // pools
  for (const MigrationStep::Carried& volume : step.carried) {
    if (!volume.shared || volume.source.kind != "volume") continue;
    const std::string& pool = volume.source.pool;
    if (proven.insert(pool).second) {
      auto pools = file_pools(step, pool, from, to);
      if (!pools) return fail(pools.error());
      if (*pools) {
        const auto& [here, there] = **pools;
        auto one = one_directory(step, pool, here, there, from, to);
        if (!one) return fail(one.error());
        if (!*one) {
          return fail(
              providers::ErrorCode::invalid,
              fmt::format("{}: pool {} is declared shared, but {} and {} do not see the same storage: "
                          "a file written into {} on {} is not in {} on {}. Nothing was changed and "
                          "nothing is copied instead (declare the pool `shared: false` to have its "
                          "volumes copied)",
                          shared_where(step), pool, from.config().name, to.config().name, here.target_path,
                          from.config().name, there.target_path, to.config().name));
        }
      }
    }
    // libvirt lists a file only once its pool read it.
    auto refreshed = to.virsh().run({"pool-refresh", "--pool", pool});
    if (!refreshed) {
      return fail(
          refreshed.error().with_context(fmt::format("{}: pool {} not refreshed on {}; nothing was changed",
                                                     shared_where(step), pool, to.config().name)));
    }
    auto theirs = volume_key(to, volume.source);
    if (!theirs) {
      return fail(theirs.error().with_context(fmt::format(
          "{}: pool {} is declared shared, but {} does not list volume {} in it (as {} does); nothing was "
          "changed",
          shared_where(step), pool, to.config().name, volume.source.name, from.config().name)));
    }
    auto ours = volume_key(from, volume.source);
    if (!ours) return fail(ours.error().with_context(shared_where(step) + ": nothing was changed"));
    if (*ours != *theirs) {
      return fail(providers::ErrorCode::invalid,
                  fmt::format("{}: pool {} is declared shared, but volume {} is {} on {} and {} on {}: not "
                              "the same storage. Nothing was changed",
                              shared_where(step), pool, volume.source.name, *ours, from.config().name,
                              *theirs, to.config().name));
    }
  }
  return {};
}

Result<void> refuse_one_storage_copied(const MigrationStep& step, HostSession& from, HostSession& to) {
  std::set<std::string> checked;  // file pools
  for (const MigrationStep::Carried& volume : step.carried) {
    if (volume.shared || volume.source.kind != "volume" || checked.contains(volume.source.pool)) continue;
    const std::string& pool = volume.source.pool;
    auto pools = file_pools(step, pool, from, to);
    if (!pools) return fail(pools.error());
    auto proof = *pools ? one_directory_proof(step, pool, **pools, from, to)
                        : one_volume_proof(step, volume.source, from, to);
    if (*pools) checked.insert(pool);  // a directory is one or not for all its files
    if (!proof) return fail(proof.error());
    if (*proof) {
      return fail(providers::ErrorCode::invalid,
                  fmt::format("{}: pool {} is one storage seen from {} and {} ({}), but is not declared "
                              "shared: copying volume {} there would copy it onto itself, and removing it "
                              "from {} would remove the only copy. Nothing was changed; declare the pool "
                              "`shared: true` on both hosts to move the domain without a copy",
                              shared_where(step), pool, from.config().name, to.config().name, **proof,
                              volume.source.name, from.config().name));
    }
  }
  return {};
}

Result<std::vector<std::string>> live_storage_flags(const MigrationStep& step, HostSession& from,
                                                    const std::string& disks_uri) {
  const std::string copy_flag = copy_storage_flag(step);
  std::set<std::string> shared_paths;
  for (const MigrationStep::Carried& volume : step.carried) {
    if (!volume.shared || volume.source.kind != "volume") continue;
    auto path = from.virsh().run({"vol-path", "--pool", volume.source.pool, "--vol", volume.source.name});
    if (!path) return fail(path.error());
    shared_paths.insert(std::string(providers::trimmed(*path)));
  }
  if (shared_paths.empty()) return std::vector<std::string>{copy_flag, "--disks-uri", disks_uri};
  auto xml = from.virsh().run({"dumpxml", "--domain", step.source.name});
  if (!xml) return fail(xml.error());
  auto document = XmlDocument::parse(*xml, "dumpxml");
  if (!document) return fail(document.error());
  std::vector<std::string> local;
  bool uncached = true;  // every shared disk bypasses the page cache
  auto disks = document->root().xpath_nodes("/domain/devices/disk");
  if (!disks) return fail(disks.error());
  for (const auto& disk : *disks) {
    auto source = disk.child("source");
    auto target = disk.child("target");
    if (!source || !target || disk.child("readonly")) continue;
    const std::string path = source->attr("file").value_or(source->attr("dev").value_or(""));
    if (path.empty()) continue;
    if (shared_paths.contains(path)) {
      const auto driver = disk.child("driver");
      const std::string cache = driver ? driver->attr("cache").value_or("") : "";
      uncached = uncached && (cache == "none" || cache == "directsync");
    } else if (!disk.child("shareable")) {
      local.push_back(target->attr("dev").value_or(""));
    }
  }
  std::vector<std::string> flags;
  if (!local.empty()) {
    flags = {copy_flag, "--migrate-disks", fmt::format("{}", fmt::join(local, ",")), "--disks-uri",
             disks_uri};
  }
  if (uncached) flags.push_back("--unsafe");
  return flags;
}

}  // namespace virtplan::kvm
