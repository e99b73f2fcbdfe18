#include "kvm/domain_seed_media.h"

#include "kvm/domain_device_ref.h"

#include <fmt/format.h>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

constexpr std::string_view k_not_done = "the seed CD-ROM not swapped";

// Whether a <source> names volume `volume`: by pool and volume, or by path
// (kvm/disk_sources.h: the seed's pool is a directory, the file is named as
// the volume).
bool names_volume(XmlNode source, const std::string& volume) {
  if (source.attr("volume") == volume) return true;
  auto file = source.attr("file");
  return file && file->ends_with("/" + volume);
}

// The target of the CD-ROM whose source is volume `volume`.
std::optional<std::string> seed_target(const XmlDocument& domain, const std::string& volume) {
  auto devices = domain.root().child("devices");
  if (!devices) return std::nullopt;
  for (XmlNode disk : devices->children("disk")) {
    auto source = disk.child("source");
    auto target = disk.child("target");
    if (disk.attr("device") != "cdrom" || !source || !target) continue;
    if (names_volume(*source, volume)) return target->attr("dev");
  }
  return std::nullopt;
}

Result<XmlDocument> live_xml(const providers::VirshRunner& virsh, const std::string& name,
                             const providers::StepLog& log) {
  auto xml = virsh.run({"dumpxml", "--domain", name});
  if (!xml) return providers::fail(log.failure("dumpxml", xml.error(), k_not_done));
  auto document = XmlDocument::parse(*xml, log.id().address());
  if (!document) return providers::fail(document.error().with_context(log.id().address()));
  return document;
}

}  // namespace

Result<std::optional<std::string>> swap_seed_media(const providers::VirshRunner& virsh,
                                                   const std::string& name, const XmlDocument& config,
                                                   providers::StepLog& log) {
  const std::string volume = name + "-cidata";
  auto target = seed_target(config, volume);
  if (!target) return std::optional<std::string>();
  DomainDeviceRef disk{DomainDeviceRef::Type::disk, *target};
  auto element = disk.find(config);
  auto before = live_xml(virsh, name, log);
  if (!before) return providers::fail(before.error());
  if (!element || !disk.find(*before)) return std::optional<std::string>();

  auto ejected =
      virsh.run({"change-media", "--domain", name, "--path", *target, "--eject", "--live", "--force"});
  if (!ejected) return providers::fail(log.failure("change-media", ejected.error(), k_not_done));
  auto inserted =
      virsh.run({"update-device", "--domain", name, "--file", "/dev/stdin", "--live"}, element->to_string());
  if (!inserted) {
    return providers::fail(
        log.failure("update-device", inserted.error(),
                    fmt::format("the seed CD-ROM {} is ejected, the new seed not inserted", *target)));
  }
  auto after = live_xml(virsh, name, log);
  if (!after) return providers::fail(after.error());
  if (seed_target(*after, volume) != target) {
    return providers::fail(
        log.failure(ErrorCode::other,
                    fmt::format("update-device succeeded but the running domain's CD-ROM {} "
                                "does not show volume {}",
                                *target, volume),
                    k_not_done));
  }
  log.done(fmt::format("seed CD-ROM {} swapped live", *target));
  return target;
}

}  // namespace virtplan::kvm
