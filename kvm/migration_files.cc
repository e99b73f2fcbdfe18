#include "kvm/migration_files.h"

#include "kvm/domain_saved_state.h"

#include "providers/base/plain_text.h"
#include "providers/host/host_script.h"
#include "providers/kind/storage_facts.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

#include <chrono>

namespace virtplan::kvm {

using providers::fail;
using providers::HostSession;
using providers::MigrationStep;
using providers::Result;
using providers::VolumeBase;

namespace {

// The file's sha256, hex.
constexpr std::string_view k_sha256 = R"sh(set -e
s=$(sha256sum -- "$1")
printf '%s\n' "${s%% *}"
)sh";

// Exit status 3: no such file.
constexpr std::string_view k_is_file = R"sh([ -f "$1" ] || exit 3)sh";

constexpr std::string_view k_rebase = R"sh(set -e
qemu-img rebase -u -F "$2" -b "$1" -- "$3"
)sh";

// The file, base64 (it may hold any byte); exit status 3: there is none.
constexpr std::string_view k_read_file = R"sh([ -f "$1" ] || exit 3
exec base64 -- "$1"
)sh";

// Standard input, base64, written to $1 whole or not at all.
constexpr std::string_view k_write_file = R"sh(set -e
umask 077
mkdir -p -- "$(dirname -- "$1")"
t=$1.virtplan-part
base64 -d >"$t"
mv -f -- "$t" "$1"
)sh";

constexpr std::string_view k_nvram_dir = "/var/lib/libvirt/qemu/nvram";

// Runs one of the constant scripts above on the host; a status other than 0
// or `allowed` is an error naming the host.
Result<providers::CommandOutput> run_script(HostSession& host, std::string_view script, std::string_view name,
                                            std::vector<std::string> args,
                                            std::optional<std::string> input = std::nullopt, int allowed = 0,
                                            std::chrono::milliseconds timeout = std::chrono::minutes(5)) {
  return providers::run_host_script(host, script, name, std::move(args),
                                    {.input = std::move(input), .timeout = timeout, .also_allowed = allowed});
}

Result<std::string> sha256_of(HostSession& host, const std::string& path) {
  // A base of many GiB takes a while to read.
  auto ran = run_script(host, k_sha256, "virtplan-migrate-base-sha256", {path}, std::nullopt, 0,
                        std::chrono::hours(2));
  if (!ran) return fail(ran.error());
  return std::string(providers::trimmed(ran->out));
}

// Whether the destination's base is the same bytes as the source's.
Result<void> same_bytes(const std::string& where, const providers::ObjectId& id, const OverlayBase& base,
                        HostSession& from, HostSession& to) {
  auto here = sha256_of(from, base.source);
  if (!here) return fail(here.error().with_context(where));
  auto there = sha256_of(to, base.destination);
  if (!there) return fail(there.error().with_context(where));
  if (*here == *there) return {};
  return fail(providers::ErrorCode::invalid,
              fmt::format("{}: volume {} is an overlay of {}, whose bytes differ on {} (sha256 {}) and on {} "
                          "(sha256 {}): an overlay over another base is a corrupt disk, nothing was copied",
                          where, id.name, base.name, from.config().name, *here, to.config().name, *there));
}

// Whether the destination's cache holds the image.
Result<void> cached(const std::string& where, const providers::ObjectId& id, const OverlayBase& base,
                    HostSession& to) {
  auto present =
      run_script(to, k_is_file, "virtplan-migrate-base-cached", {base.destination}, std::nullopt, 3);
  if (!present) return fail(present.error().with_context(where));
  if (present->exit_status == 0) return {};
  return fail(
      providers::ErrorCode::not_found,
      fmt::format("{}: volume {} is an overlay of the image {} ({}), which is not in {}'s image cache "
                  "{}: nothing was copied (fetch it there first: declare a volume of that image on {})",
                  where, id.name, base.name, base.source, to.config().name, to.config().image_cache,
                  to.config().name));
}

}  // namespace

Result<std::optional<OverlayBase>> locate_base(const MigrationStep::Carried& volume, HostSession& to) {
  // A volume of its pool or an image of the cache: the volume kind's rule.
  const std::optional<VolumeBase> found = providers::volume_base_of(volume.observed);
  if (!found) return std::nullopt;
  OverlayBase base{found->where, found->name, found->path, {}, found->format};
  if (base.where == VolumeBase::Where::pool) {
    auto path = to.virsh().run({"vol-path", "--pool", volume.source.pool, "--vol", base.name});
    if (!path) {
      return fail(path.error().with_context(
          fmt::format("volume {} is an overlay of {}, which is not in pool {} on {}", volume.source.name,
                      base.name, volume.source.pool, to.config().name)));
    }
    base.destination = std::string(providers::trimmed(*path));
  } else if (providers::cached_image_digest(base.name)) {
    base.destination = to.config().image_cache + "/" + base.name;
  } else {
    return fail(providers::ErrorCode::invalid,
                fmt::format("volume {} is an overlay of {}, neither a volume of its pool nor an image of the "
                            "cache",
                            volume.source.name, base.source));
  }
  return base;
}

Result<std::optional<OverlayBase>> overlay_base(const std::string& where,
                                                const MigrationStep::Carried& volume, HostSession& from,
                                                HostSession& to) {
  auto base = locate_base(volume, to);
  if (!base) return fail(base.error().with_context(where + ": nothing was copied"));
  if (!*base) return std::nullopt;
  auto checked = (*base)->where == VolumeBase::Where::pool
                     ? same_bytes(where, volume.source, **base, from, to)
                     : cached(where, volume.source, **base, to);
  if (!checked) return fail(checked.error());
  return base;
}

Result<void> rebase_overlay(const providers::ObjectId& volume, const OverlayBase& base, HostSession& to) {
  auto path = to.virsh().run({"vol-path", "--pool", volume.pool, "--vol", volume.name});
  if (!path) return fail(path.error());
  auto rebased = run_script(to, k_rebase, "virtplan-migrate-rebase",
                            {base.destination, base.format, std::string(providers::trimmed(*path))});
  if (!rebased) return fail(rebased.error());
  return {};
}

Result<std::optional<std::string>> nvram_file_on(HostSession& host, const std::string& domain) {
  auto xml = host.virsh().run({"dumpxml", "--domain", domain, "--inactive"});
  if (!xml) return fail(xml.error());
  auto named = nvram_path(*xml);  // what <os><nvram> says (kvm/domain_saved_state.h)
  if (!named) return fail(named.error());
  if (*named) return std::string(providers::trimmed(**named));
  // libvirt names the file when the domain first starts, where it always does.
  auto document = providers::XmlDocument::parse(*xml, "dumpxml");
  if (!document) return fail(document.error());
  auto os = document->root().child("os");
  if (!os) return std::nullopt;
  auto loader = os->child("loader");
  if (os->attr("firmware") != "efi" && !(loader && loader->attr("type") == "pflash")) return std::nullopt;
  return fmt::format("{}/{}_VARS.fd", k_nvram_dir, domain);
}

Result<void> copy_nvram(const std::string& domain, HostSession& from, HostSession& to) {
  auto path = nvram_file_on(from, domain);
  if (!path) return fail(path.error());
  if (!*path) return {};
  auto read = run_script(from, k_read_file, "virtplan-migrate-nvram-read", {**path}, std::nullopt, 3);
  if (!read) return fail(read.error().with_context("its NVRAM file " + **path + " not read"));
  if (read->exit_status == 3) return {};  // never started: libvirt makes it from the template
  auto written = run_script(to, k_write_file, "virtplan-migrate-nvram-write", {**path}, std::move(read->out));
  if (!written) return fail(written.error().with_context("its NVRAM file " + **path + " not copied"));
  return {};
}

}  // namespace virtplan::kvm
