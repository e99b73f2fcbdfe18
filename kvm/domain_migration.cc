#include "kvm/domain_migration.h"

#include "kvm/domain_live_migration.h"
#include "kvm/domain_power.h"
#include "kvm/domain_redefine_dump.h"
#include "kvm/domain_shared_storage.h"
#include "kvm/migration_files.h"
#include "providers/base/human_size.h"
#include "providers/base/plain_text.h"
#include "providers/host/host_session.h"
#include "providers/virsh/label_table.h"
#include "providers/virsh/volume_copy.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <thread>

namespace virtplan::kvm {

using providers::ActuatorOutcome;
using providers::fail;
using providers::HostSession;
using providers::MigrationPart;
using providers::MigrationStep;
using providers::Result;
using providers::XmlDocument;

namespace {

// A copy takes as long as the links need.
constexpr auto k_copy_timeout = std::chrono::hours(12);
// How long the removal from the source waits for a live migration a killed
// apply left under way.
constexpr auto k_in_flight_wait = std::chrono::minutes(30);
// How long it waits for one whose source shows no job yet while the
// destination holds the domain paused (being prepared, see stopped_on_source).
constexpr auto k_arriving_wait = std::chrono::minutes(2);
// How often a wait for it says so.
constexpr auto k_waiting_word_every = std::chrono::seconds(10);

std::string where(const MigrationStep& step) {
  return fmt::format("{}: migrate to {}", step.source.address(), step.object.desired.id.host);
}

Result<bool> volume_exists(HostSession& host, const providers::ObjectId& volume) {
  return providers::existence_from(
      host.virsh().run({"vol-info", "--pool", volume.pool, "--vol", volume.name}));
}

// The bytes of the volume's file (what vol-download reads): "Physical:" of
// `vol-info --bytes --physical`.
Result<std::uint64_t> physical_size(HostSession& host, const providers::ObjectId& volume) {
  auto info =
      host.virsh().run({"vol-info", "--pool", volume.pool, "--vol", volume.name, "--bytes", "--physical"});
  if (!info) return fail(info.error());
  if (auto bytes = providers::table_number(*info, "Physical:")) return *bytes;
  return fail(providers::ErrorCode::other,
              fmt::format("{}: vol-info printed no physical size: {}", volume.address(), *info));
}

// The domain's state on `host` ("running", "shut off"...), or not_found.
Result<std::string> state_on(HostSession& host, const std::string& name) {
  auto state = host.virsh().run({"domstate", "--domain", name});
  if (!state) return fail(state.error());
  return std::string(providers::trimmed(*state));
}

// Whether a QEMU process holds the domain: every state but "shut off"
// (power_state_from_domstate), as the next plan reads it too.
bool runs(std::string_view state) { return power_state_from_domstate(state) != PowerState::stopped; }

// What a person waiting sees, every k_waiting_word_every: "waiting for the
// live migration a killed apply left under way to end (12 s, 80.5 MiB
// left)", what is left as domjobinfo's "Data remaining:" says.
std::string waiting_words(const std::string& domjobinfo, std::chrono::steady_clock::duration waited) {
  const auto remaining = providers::table_text(domjobinfo, "Data remaining:");
  const std::string left = remaining ? fmt::format(", {} left", *remaining) : "";
  return fmt::format("waiting for the live migration a killed apply left under way to end ({} s{})",
                     std::chrono::duration_cast<std::chrono::seconds>(waited).count(), left);
}

// A live migration a killed apply left running ends on its own: the source
// keeps the domain until it does. Waits while it runs, and returns once the
// domain is gone from the source (moved) or runs there with no migration
// under way (cut short: the planner looks at the destination again and
// migrates it again). Under way: the source's domjobinfo shows a job, or the
// destination holds the domain paused (for up to k_arriving_wait): libvirt's
// job on the source reads "None" until the data flows, all the while the
// destination starts its QEMU (seconds under TCG on a loaded host), and a
// rerun that came then took the migration for cut short.
Result<void> settle(const MigrationStep& step, HostSession& from, HostSession& to) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + k_in_flight_wait;
  const auto arriving_deadline = start + k_arriving_wait;
  auto next_word = start;
  for (;;) {
    auto state = state_on(from, step.source.name);
    if (!state && state.error().code() == providers::ErrorCode::not_found) return {};
    if (!state) return fail(state.error().with_context(where(step) + ": not finished"));
    if (!runs(*state)) return {};
    auto job = from.virsh().run({"domjobinfo", "--domain", step.source.name});
    bool migrating = job && job->find("None") == std::string::npos;
    if (!migrating && std::chrono::steady_clock::now() < arriving_deadline) {
      auto there = state_on(to, step.source.name);
      migrating = there && *there == "paused";
    }
    if (!migrating) return {};
    const auto now = std::chrono::steady_clock::now();
    if (step.object.progress && now >= next_word) {
      step.object.progress(waiting_words(job ? *job : std::string(), now - start));
      next_word = now + k_waiting_word_every;
    }
    if (now > deadline) {
      return fail(providers::ErrorCode::other,
                  fmt::format("{}: the migration a killed apply left under way from {} has not ended after "
                              "{} min: nothing was changed",
                              where(step), step.source.host,
                              std::chrono::duration_cast<std::chrono::minutes>(k_in_flight_wait).count()));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// The domain is as the plan saw it on the source: running for a live
// move, stopped for an offline one. An offline copy of a domain started
// since would copy a disk being written, and the define start it twice.
Result<void> as_planned(const MigrationStep& step, HostSession& from) {
  auto state = state_on(from, step.source.name);
  if (!state) return fail(state.error());
  if (runs(*state) == step.live) return {};
  // The next plan reads the state by the same rule as runs().
  const std::string next = step.live ? "the next plan moves it offline" : "the next plan moves it live";
  return fail(providers::ErrorCode::other,
              fmt::format("the domain is {} on {} now, {} when the plan was made ({})", *state,
                          step.source.host, step.live ? "running" : "stopped", next));
}

// Never undefined while it runs: a migration a killed apply left under way
// was cut short after the plan saw the domain on the destination.
Result<void> stopped_on_source(const MigrationStep& step, HostSession& from) {
  auto state = state_on(from, step.source.name);
  if (!state && state.error().code() == providers::ErrorCode::not_found) return {};
  if (!state) return fail(state.error().with_context(where(step) + ": moved, not removed from the source"));
  if (!runs(*state)) return {};
  return fail(providers::ErrorCode::other,
              fmt::format("{}: the domain runs on {} still, with no migration under way: nothing was "
                          "removed from there (the next apply migrates it again)",
                          where(step), step.source.host));
}

// An empty volume of the name, format and capacity the source's has (an
// overlay of `base` when it is one).
Result<std::string> empty_volume_xml(const std::string& name, const providers::Spec& observed,
                                     const std::optional<OverlayBase>& base) {
  if (!observed.contains("capacity")) {
    return fail(providers::ErrorCode::invalid, fmt::format("volume {}: its capacity is unknown", name));
  }
  XmlDocument document = XmlDocument::create("volume");
  document.root().add_child("name").set_text(name);
  auto capacity = document.root().add_child("capacity");
  capacity.set_attr("unit", "bytes");
  capacity.set_text(std::to_string(observed["capacity"].get<std::uint64_t>()));
  // Sparse: libvirt allocates the whole capacity of a volume that names no allocation.
  document.root().add_child("allocation").set_text("0");
  document.root().add_child("target").add_child("format").set_attr("type", observed.value("format", "raw"));
  if (base) {
    auto store = document.root().add_child("backingStore");
    store.add_child("path").set_text(base->destination);
    store.add_child("format").set_attr("type", base->format);
  }
  return document.to_string();
}

Result<void> copy_volume(const MigrationStep& step, const MigrationStep::Carried& volume, HostSession& from,
                         HostSession& to) {
  const providers::ObjectId& id = volume.source;
  // An overlay moves alone, over the same base there (kvm/migration_files.h).
  auto base = overlay_base(where(step), volume, from, to);
  if (!base) return fail(base.error());
  auto left = volume_exists(to, id);
  if (!left) return fail(left.error().with_context(where(step) + ": not copied"));
  if (*left && !volume.destination_ours) {
    return fail(
        providers::ErrorCode::already_exists,
        fmt::format("{}: volume {} appeared on the destination after the plan; it is not this stack's "
                    "and was left alone: nothing was copied",
                    where(step), id.name));
  }
  if (*left) {  // a copy a crash cut short, which the plan saw
    auto deleted = to.virsh().run({"vol-delete", "--pool", id.pool, "--vol", id.name});
    if (!deleted) return fail(deleted.error().with_context(where(step) + ": an earlier copy not deleted"));
  }
  auto document = empty_volume_xml(id.name, volume.observed, *base);
  if (!document) return fail(document.error().with_context(where(step)));
  auto created = to.virsh().run({"vol-create", "--pool", id.pool, "--file", "/dev/stdin"}, *document);
  if (!created)
    return fail(created.error().with_context(where(step) + ": volume " + id.name + " not created"));
  if (step.live) return {};  // QEMU copies it while the domain runs
  auto size = physical_size(from, id);
  if (!size) return fail(size.error().with_context(where(step) + ": not copied"));
  providers::VirshRunner reading = from.alone();
  providers::VirshRunner writing = to.alone();
  reading.set_timeout(k_copy_timeout);
  writing.set_timeout(k_copy_timeout);
  providers::VolumeCopyOptions options;
  options.skip_zeros = volume.observed.value("format", "raw") == "raw";
  if (step.object.progress) {
    options.progress = [&](std::uint64_t copied, std::uint64_t total) {
      step.object.progress(fmt::format("copying {}: {} of {}", id.name, providers::human_size(copied),
                                       providers::human_size(total)));
    };
  }
  auto copied =
      providers::copy_volume_bytes({reading, id.pool, id.name}, {writing, id.pool, id.name}, *size, options);
  if (!copied) {
    return fail(copied.error().with_context(
        fmt::format("{}: volume {} copied in part (made again by the next apply)", where(step), id.name)));
  }
  if (*base && (*base)->destination != (*base)->source) {
    if (auto rebased = rebase_overlay(id, **base, to); !rebased) {
      return fail(rebased.error().with_context(fmt::format(
          "{}: volume {} copied, its base not set (made again by the next apply)", where(step), id.name)));
    }
  }
  return {};
}

// Where each moved volume's file is on `host`, by its path on the other.
Result<std::string> volume_path(HostSession& host, const providers::ObjectId& id) {
  auto path = host.virsh().run({"vol-path", "--pool", id.pool, "--vol", id.name});
  if (!path) return fail(path.error());
  while (!path->empty() && (path->back() == '\n' || path->back() == ' ')) path->pop_back();
  return *path;
}

// The domain's XML as `dump` prints it on the source, each disk's file path
// of a moved volume rewritten to its path on the destination; `changed`
// says whether any was.
Result<std::string> destination_xml(const MigrationStep& step, const std::vector<std::string>& dump,
                                    HostSession& from, HostSession& to, bool* changed = nullptr) {
  auto xml = from.virsh().run(dump);
  if (!xml) return fail(xml.error());
  auto document = XmlDocument::parse(*xml, "dumpxml");
  if (!document) return fail(document.error());
  std::map<std::string, std::string> paths;  // on the source -> on the destination
  for (const auto& volume : step.carried) {
    auto here = volume_path(from, volume.source);
    if (!here) return fail(here.error());
    auto there = volume_path(to, volume.source);
    if (!there) return fail(there.error());
    if (*here != *there) paths[*here] = *there;
    // The live XML names an overlay's base too (<backingStore>).
    auto base = locate_base(volume, to);
    if (!base) return fail(base.error());
    if (*base && (*base)->source != (*base)->destination) paths[(*base)->source] = (*base)->destination;
  }
  if (changed != nullptr) *changed = !paths.empty();
  auto sources = document->root().xpath_nodes("/domain/devices/disk//source");
  if (!sources) return fail(sources.error());
  for (auto& source : *sources) {
    for (const char* attribute : {"file", "dev"}) {
      auto path = source.attr(attribute);
      if (!path) continue;
      if (auto moved = paths.find(*path); moved != paths.end()) source.set_attr(attribute, moved->second);
    }
  }
  return document->to_string();
}

// Live: the domain moves running, its disks copied by QEMU
// (kvm/domain_live_migration.h), defined there with the inactive XML.
Result<std::string> define_live(const MigrationStep& step, HostSession& from, HostSession& to) {
  auto persistent = destination_xml(step, domain_redefine_dump(step.source.name), from, to);
  if (!persistent) return fail(persistent.error().with_context(where(step) + ": not migrated"));
  bool changed = false;
  auto live =
      destination_xml(step, {"dumpxml", "--domain", step.source.name, "--migratable"}, from, to, &changed);
  if (!live) return fail(live.error().with_context(where(step) + ": not migrated"));
  return migrate_live(step, from, to, *persistent, changed ? *live : std::string());
}

Result<void> define(const MigrationStep& step, HostSession& from, HostSession& to) {
  // Started since the copy began: its copied disk may be torn, never run twice.
  if (auto stopped = as_planned(step, from); !stopped)
    return fail(stopped.error().with_context(where(step) + ": copied, not defined"));
  auto xml = destination_xml(step, domain_redefine_dump(step.source.name), from, to);
  if (!xml) return fail(xml.error().with_context(where(step) + ": copied, not defined"));
  if (auto nvram = copy_nvram(step.source.name, from, to); !nvram)
    return fail(nvram.error().with_context(where(step) + ": copied, not defined"));
  auto defined = to.virsh().run({"define", "/dev/stdin"}, *xml);
  if (!defined) return fail(defined.error().with_context(where(step) + ": copied, not defined"));
  const std::string state = step.object.desired.spec.value("state", "running");
  if (state == "stopped") return {};
  std::vector<std::string> start{"start", "--domain", step.source.name};
  if (state == "paused") start.push_back("--paused");
  auto started = to.virsh().run(start);
  if (!started) return fail(started.error().with_context(where(step) + ": defined, not started"));
  return {};
}

Result<void> remove_source(const MigrationStep& step, HostSession& from, HostSession& to) {
  if (auto stopped = stopped_on_source(step, from); !stopped) return stopped;
  // What a live migration cut short left (its key, its authorization); a
  // live one this run began removed its own, but a run finishing one may
  // find what the killed apply's left.
  std::string id;
  for (HostSession* host : {&to, &from}) {
    if ((step.live && !step.destination_ours) || !id.empty()) break;
    if (auto uuid = host->virsh().run({"domuuid", "--domain", step.source.name}))
      id = providers::trimmed(*uuid);
  }
  if (!id.empty()) {
    if (auto removed = remove_leftovers(id, from, to); !removed) {
      return fail(removed.error().with_context(where(step) + ": moved, not removed from the source"));
    }
  }
  // A finishing run skips verify (the domain is on the destination already):
  // the pool may have lost its `shared:` since the run that moved it.
  if (auto apart = refuse_one_storage_copied(step, from, to); !apart)
    return fail(apart.error().with_context(where(step) + ": moved, not removed from the source"));
  for (const auto& volume : step.carried) {
    if (volume.shared) continue;  // the destination's file too: never deleted
    auto there = volume_exists(from, volume.source);
    if (!there) return fail(there.error().with_context(where(step) + ": moved, not removed from the source"));
    if (!*there) continue;
    auto deleted =
        from.virsh().run({"vol-delete", "--pool", volume.source.pool, "--vol", volume.source.name});
    if (!deleted) {
      return fail(deleted.error().with_context(
          fmt::format("{}: moved, volume {} not deleted from the source", where(step), volume.source.name)));
    }
  }
  auto there = providers::existence_from(from.virsh().run({"dominfo", "--domain", step.source.name}));
  if (!there) return fail(there.error().with_context(where(step) + ": moved, not removed from the source"));
  if (!*there) return {};
  // Its NVRAM file goes with it (libvirt refuses to leave it by default).
  auto nvram = nvram_file_on(from, step.source.name);
  if (!nvram) return fail(nvram.error().with_context(where(step) + ": moved, not removed from the source"));
  std::vector<std::string> undefine{"undefine", "--domain", step.source.name};
  if (*nvram) undefine.push_back("--nvram");
  auto undefined = from.virsh().run(undefine);
  if (!undefined)
    return fail(undefined.error().with_context(where(step) + ": moved, not undefined on the source"));
  return {};
}

}  // namespace

Result<ActuatorOutcome> migrate_domain(const MigrationStep& step, MigrationPart part, HostSession& from,
                                       HostSession& to) {
  Result<void> done;
  switch (part) {
    case MigrationPart::settle:
      done = settle(step, from, to);
      break;
    case MigrationPart::verify:
      done = as_planned(step, from);
      if (!done) done = fail(done.error().with_context(where(step) + ": nothing was moved"));
      if (done) done = verify_shared_volumes(step, from, to);
      if (done) done = refuse_one_storage_copied(step, from, to);
      break;
    case MigrationPart::copy:
      for (const auto& volume : step.carried) {
        if (volume.source.kind != "volume" || volume.shared) continue;  // shared: verified, not copied
        if (done = copy_volume(step, volume, from, to); !done) break;
      }
      break;
    case MigrationPart::define:
      if (step.live) {
        auto migrated = define_live(step, from, to);
        if (!migrated) return fail(migrated.error());
        ActuatorOutcome outcome;
        if (!migrated->empty()) outcome.warnings.push_back(*migrated);
        return outcome;
      }
      done = define(step, from, to);
      break;
    case MigrationPart::remove_source:
      done = remove_source(step, from, to);
      break;
  }
  if (!done) return fail(done.error());
  return ActuatorOutcome{};
}

}  // namespace virtplan::kvm
