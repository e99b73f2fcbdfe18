#include "storage/volume_actuator.h"

#include "providers/base/human_size.h"
#include "providers/host/host_session.h"
#include "providers/virsh/list_dump_reading.h"
#include "storage/cloud_init_seed.h"
#include "storage/volume_kind.h"
#include "storage/volume_upload.h"
#include "storage/volume_users.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::ActuatorOutcome;
using providers::ActuatorStep;
using providers::ErrorCode;
using providers::fail;
using providers::HostSession;
using providers::human_size;
using providers::live_way;
using providers::Result;
using providers::Spec;
using providers::step_error;

// The pool is part of the volume's identity (ObjectId::pool): a destroy
// deletes the volume the plan named, never a same-named one elsewhere. A
// step made without one (older saved plans, tests) falls back to the spec.
std::string pool_of(const ActuatorStep& step) {
  if (!step.desired.id.pool.empty()) return step.desired.id.pool;
  if (step.desired.spec.is_object() && step.desired.spec.contains("pool")) {
    return step.desired.spec["pool"].get<std::string>();
  }
  return step.before.is_object() ? step.before.value("pool", "") : "";
}

// The disks of running domains that use the volume, read from the host now.
Result<std::vector<DomainDisk>> running_users(HostSession& host, const std::string& pool,
                                              const std::string& volume) {
  auto first = host.virsh().batch({{"list", "--name"}, {"vol-dumpxml", "--pool", pool, "--vol", volume}});
  if (!first[0]) return fail(first[0].error());
  if (!first[1]) return fail(first[1].error());
  auto path = volume_path(*first[1]);
  if (!path) return fail(path.error());
  std::vector<std::vector<std::string>> dumps;
  for (const std::string& domain : providers::parse_name_list(*first[0])) {
    dumps.push_back({"dumpxml", "--domain", domain});
  }
  std::vector<DomainDisk> disks;
  if (dumps.empty()) return disks;
  for (const auto& xml : host.virsh().batch(dumps)) {
    // A domain that stopped or vanished since the list uses nothing live.
    if (!xml) continue;
    auto read = read_domain_disks(*xml, true);
    if (!read) return fail(read.error());
    std::move(read->begin(), read->end(), std::back_inserter(disks));
  }
  return disks_using(disks, pool, volume, *path);
}

Result<void> resize(const ActuatorStep& step, HostSession& host, std::uint64_t before, std::uint64_t after) {
  const std::string& name = step.desired.id.name;
  const std::string pool = pool_of(step);
  const bool shrink = after < before;
  if (shrink && !step.desired.spec.value("allow_shrink", false)) {
    return fail(
        ErrorCode::invalid,
        fmt::format("{}: not resized: capacity {} -> {} shrinks the volume (data past {} "
                    "is lost); set allow_shrink: true to allow it",
                    step.desired.id.address(), human_size(before), human_size(after), human_size(after)));
  }
  auto users = running_users(host, pool, name);
  if (!users) return fail(step_error(step, "not resized", users.error()));
  if (!users->empty()) {
    const DomainDisk& disk = users->front();
    if (shrink) {
      return fail(ErrorCode::invalid,
                  fmt::format("{}: not resized: running domain {} uses it as disk {}; a volume "
                              "in use is never shrunk",
                              step.desired.id.address(), disk.domain, disk.target));
    }
    // --size is KiB unless it carries a unit: say bytes.
    auto resized = host.virsh().run(
        {"blockresize", "--domain", disk.domain, "--path", disk.target, "--size", fmt::format("{}B", after)});
    if (!resized) {
      return fail(
          step_error(step, fmt::format("not resized (through domain {}, disk {})", disk.domain, disk.target),
                     resized.error()));
    }
    return {};
  }
  std::vector<std::string> args{"vol-resize",         "--pool", pool, "--vol", name, "--capacity",
                                std::to_string(after)};
  if (shrink) args.push_back("--shrink");
  auto resized = host.virsh().run(args);
  if (!resized) return fail(step_error(step, "not resized", resized.error()));
  return {};
}

}  // namespace

namespace {

// What a volume keeps in the ledger: what its XML cannot show (the seed's
// cloud-init inputs, the source and its hash, the policies), so that the
// next plan compares equal. One list for writing and for reading back: the
// observer refuses an entry holding any other key.
constexpr std::array<std::string_view, 16> k_ledger_keys{
    "allow_shrink", "backing_checksum_url", "backing_sha256", "backing_sha512", "backing_url",
    "base_only",    "base_sha256",          "base_sha512",    "cloud_init",     "protect",
    "source",       "source_checksum_url",  "source_fetch",   "source_sha256",  "source_sha512",
    "source_url"};

}  // namespace

json VolumeActuator::ledger_data(const Spec& observed) const { return volume_ledger_data(observed); }

std::vector<std::string> volume_ledger_keys() { return {k_ledger_keys.begin(), k_ledger_keys.end()}; }

json volume_ledger_data(const Spec& spec) {
  json data = {{"protect", spec.value("protect", false)},
               {"allow_shrink", spec.value("allow_shrink", false)}};
  for (std::string_view key : k_ledger_keys) {
    if (!data.contains(key) && spec.contains(key)) data[std::string(key)] = spec[std::string(key)];
  }
  return data;
}

namespace {

// With checksum_url, the digest the checksum file gave: what the next plan
// compares (VolumeKind::reconcile); a base's as base_*.
json image_ledger_data(const Spec& spec, bool overlay, const ImageDigest& digest) {
  json data = volume_ledger_data(spec);
  const std::string prefix = overlay ? "backing_" : spec.value("base_only", false) ? "base_" : "source_";
  data[prefix + digest.algorithm] = digest.hex;
  return data;
}

}  // namespace

Result<ActuatorOutcome> VolumeActuator::create(const ActuatorStep& step, HostSession& host) const {
  const Spec& spec = step.desired.spec;
  if (spec.contains("source")) {
    auto uploaded = upload_volume(step, host);
    if (!uploaded) return fail(uploaded.error());
    return ActuatorOutcome{volume_ledger_data(spec), {}};
  }
  // An image by URL, as the volume's content or its backing file.
  const bool overlay = spec.contains("backing_url");
  if (spec.contains("source_url") || overlay) {
    auto digest = overlay ? create_image_overlay(step, host) : fetch_volume(step, host, Existing::none);
    if (!digest) return fail(digest.error());
    return ActuatorOutcome{image_ledger_data(spec, overlay, *digest), {}};
  }
  if (spec.contains("cloud_init")) {
    auto seed = CloudInitSeed::from_spec(spec["cloud_init"]);
    if (!seed) return fail(step_error(step, "not created", seed.error()));
    auto image = seed->image();
    if (!image) return fail(step_error(step, "not created", image.error()));
    auto uploaded = upload_volume_image(step, host, *image);
    if (!uploaded) return fail(uploaded.error());
    return ActuatorOutcome{volume_ledger_data(spec), {}};
  }
  auto xml = volume_kind().create_xml(step.desired);
  if (!xml) return fail(step_error(step, "not created", xml.error()));
  auto created = host.virsh().run({"vol-create", "--pool", pool_of(step), "--file", "/dev/stdin"}, *xml);
  if (!created) return fail(step_error(step, "not created", created.error()));
  return ActuatorOutcome{volume_ledger_data(spec), {}};
}

Result<ActuatorOutcome> VolumeActuator::update(const ActuatorStep& step, HostSession& host) const {
  for (const auto& field : step.fields) {
    const std::string_view live = live_way(volume_field_rules(), field);
    if (live == volume_live::new_base) {
      // The file is made anew of the new image; the clones keep theirs.
      auto digest = fetch_volume(step, host, Existing::replace);
      if (!digest) return fail(digest.error());
      return ActuatorOutcome{image_ledger_data(step.desired.spec, false, *digest), {}};
    }
    if (live != volume_live::resize) continue;
    if (!field.before.is_number_integer() || !field.after.is_number_integer()) continue;
    auto resized = resize(step, host, field.before.get<std::uint64_t>(), field.after.get<std::uint64_t>());
    if (!resized) return fail(resized.error());
  }
  return ActuatorOutcome{volume_ledger_data(step.desired.spec), {}};
}

Result<ActuatorOutcome> VolumeActuator::destroy(const ActuatorStep& step, HostSession& host) const {
  auto deleted = host.virsh().run({"vol-delete", "--pool", pool_of(step), "--vol", step.desired.id.name});
  if (!deleted) {
    // Gone already (a destroy that crashed after vol-delete): done.
    if (deleted.error().code() == ErrorCode::not_found) return ActuatorOutcome{};
    return fail(step_error(step, "not deleted", deleted.error()));
  }
  return ActuatorOutcome{};
}

providers::Result<void> VolumeActuator::prepare_carried(const ActuatorStep& step, HostSession& to) const {
  return fetch_carried_image(step, to);
}

providers::Result<bool> VolumeActuator::exists(const providers::ObjectId& id,
                                               providers::HostSession& host) const {
  return providers::existence_from(host.virsh().run({"vol-info", "--pool", id.pool, "--vol", id.name}));
}

}  // namespace virtplan::storage
