#include "storage/volume_upload.h"

#include "providers/base/human_size.h"
#include "providers/host/host_session.h"
#include "providers/host/local_transport.h"
#include "providers/kind/storage_facts.h"
#include "storage/image_fetch.h"
#include "storage/source_image.h"
#include "storage/volume_spec.h"
#include "storage/volume_xml.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace virtplan::storage {
namespace {

using providers::ActuatorStep;
using providers::fail;
using providers::HostSession;
using providers::human_size;
using providers::Result;
using providers::step_error;

// Uploads take as long as the link needs.
constexpr auto k_upload_timeout = std::chrono::hours(12);

// The document of an empty volume the image fits in as it is.
Result<std::string> holder_xml(const std::string& name, const SourceImage& image) {
  VolumeSpec spec;
  spec.format = image.format;
  spec.capacity = image.format == "raw" ? image.size : image.virtual_size;
  auto document = build_volume_xml(spec, name);
  if (!document) return fail(document.error());
  return document->to_string();
}

std::function<void(std::uint64_t)> reporter(const ActuatorStep& step, std::uint64_t total) {
  if (!step.progress) return {};
  return [progress = step.progress, total](std::uint64_t sent) {
    const auto percent = total == 0 ? 100 : sent * 100 / total;
    progress(fmt::format("uploaded {} of {} ({}%)", human_size(sent), human_size(total), percent));
  };
}

// Sends content into a volume: runs the vol-upload command it is given, with
// the `--file` its content is read from.
using Upload = std::function<Result<std::string>(std::vector<std::string>)>;

// Creates `name` from `holder` (an empty volume the content fits in as it
// is), then runs `upload` (vol-upload into it); deletes the volume again when
// the upload fails. `what` names the content in messages.
Result<void> create_and_upload(const ActuatorStep& step, HostSession& host, const std::string& pool,
                               const std::string& name, const std::string& holder, const std::string& what,
                               const Upload& upload) {
  auto created = host.virsh().run({"vol-create", "--pool", pool, "--file", "/dev/stdin"}, holder);
  if (!created) return fail(step_error(step, "not created", created.error()));
  auto uploaded = upload({"vol-upload", "--pool", pool, "--vol", name});
  if (!uploaded) {
    auto deleted = host.virsh().run({"vol-delete", "--pool", pool, "--vol", name});
    return fail(step_error(step,
                           deleted ? fmt::format("upload of {} failed, volume {} deleted again", what, name)
                                   : fmt::format("upload of {} failed, volume {} left behind", what, name),
                           uploaded.error()));
  }
  return {};
}

// `image` (whose path `upload` reads) into `name`, as it is.
Result<void> create_and_upload(const ActuatorStep& step, HostSession& host, const std::string& pool,
                               const std::string& name, const SourceImage& image, const Upload& upload) {
  auto xml = holder_xml(name, image);
  if (!xml) return fail(step_error(step, "not created", xml.error()));
  return create_and_upload(step, host, pool, name, *xml, image.path, upload);
}

// The volume made of `image` as `upload` sends it: in the image's format, or
// converted by libvirt (vol-create-from, which runs qemu-img on the host)
// through a staging volume NAME.upload; grown to the stack's capacity.
Result<void> make_volume(const ActuatorStep& step, HostSession& host, const VolumeSpec& spec,
                         const SourceImage& image, const Upload& upload) {
  const std::string& name = step.desired.id.name;
  const std::string pool = spec.pool.value_or("");
  if (image.format == spec.format) {
    auto done = create_and_upload(step, host, pool, name, image, upload);
    if (!done) return fail(done.error());
  } else {
    // Another format: upload as it is, then let libvirt convert.
    const std::string staging = name + ".upload";
    auto done = create_and_upload(step, host, pool, staging, image, upload);
    if (!done) return fail(done.error());
    VolumeSpec target;
    target.format = spec.format;
    target.capacity = image.virtual_size;
    auto document = build_volume_xml(target, name);
    if (!document) return fail(step_error(step, "uploaded, not converted", document.error()));
    auto converted = host.virsh().run(
        {"vol-create-from", "--pool", pool, "--file", "/dev/stdin", "--vol", staging, "--inputpool", pool},
        document->to_string());
    auto cleaned = host.virsh().run({"vol-delete", "--pool", pool, "--vol", staging});
    if (!converted) {
      return fail(step_error(step,
                             fmt::format("uploaded as {} {}, not converted to {}", image.format,
                                         cleaned ? "and deleted again" : "(left behind)", spec.format),
                             converted.error()));
    }
    if (!cleaned)
      return fail(
          step_error(step, fmt::format("created; staging volume {} left behind", staging), cleaned.error()));
  }

  if (spec.capacity && *spec.capacity > image.virtual_size) {
    auto grown = host.virsh().run(
        {"vol-resize", "--pool", pool, "--vol", name, "--capacity", std::to_string(*spec.capacity)});
    if (!grown) return fail(step_error(step, "uploaded, not grown to its capacity", grown.error()));
  }
  return {};
}

}  // namespace

Result<void> upload_volume(const ActuatorStep& step, HostSession& host) {
  auto spec = VolumeSpec::from_json(step.desired.spec);
  if (!spec) return fail(step_error(step, "not created", spec.error()));
  auto image = SourceImage::inspect(*spec->source, false);
  if (!image) return fail(step_error(step, "not created", image.error()));
  if (image->format != "raw" && image->format != "qcow2") {
    return fail(providers::ErrorCode::invalid,
                fmt::format("{}: not created: source {} is {}, which virtplan cannot convert",
                            step.desired.id.address(), image->path, image->format));
  }
  // The file streamed from disk, never read into memory.
  return make_volume(step, host, *spec, *image, [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--file", "/dev/stdin"});
    return host.virsh().run_with_file(std::move(args), image->path, reporter(step, image->size),
                                      k_upload_timeout);
  });
}

namespace {

// The image `image_spec`'s source_* keys name, in `site`'s cache, and the
// digest it was verified by.
Result<std::pair<ImageDigest, CachedImage>> cached_image(const ActuatorStep& step, FetchSite& site,
                                                         const VolumeSpec& image_spec) {
  auto digest = image_digest(image_spec, site);
  if (!digest) return fail(step_error(step, "not created", digest.error()));
  auto cached = fetch_image(step, site, ImageRequest{*image_spec.source_url, *digest});
  if (!cached) return fail(step_error(step, "not created", cached.error()));
  return std::pair{*digest, *cached};
}

}  // namespace

Result<ImageDigest> fetch_volume(const ActuatorStep& step, HostSession& host, Existing existing) {
  auto spec = VolumeSpec::from_json(step.desired.spec);
  if (!spec) return fail(step_error(step, "not created", spec.error()));
  if (!spec->source_url) {
    return fail(providers::ErrorCode::invalid,
                fmt::format("{}: not created: the volume names no image URL", step.desired.id.address()));
  }
  // `fetch: client`: this machine fetches into its own cache and streams
  // the image to the host; else the host fetches into its cache and virsh
  // there reads the file: nothing crosses this machine's link.
  const bool client = spec->source_fetch == "client";
  providers::LocalTransport here;
  FetchSite site = client ? FetchSite{here, providers::Become::none, client_image_cache(), step.desired.stack}
                          : FetchSite{host.transport(), host.config().become, host.config().image_cache,
                                      step.desired.stack};
  auto fetched = cached_image(step, site, *spec);
  if (!fetched) return fail(fetched.error());
  const auto& [digest, cached] = *fetched;
  // Deleted only now: a download that fails leaves the old file.
  if (existing == Existing::replace) {
    auto deleted =
        host.virsh().run({"vol-delete", "--pool", spec->pool.value_or(""), "--vol", step.desired.id.name});
    if (!deleted) return fail(step_error(step, "not made anew (the old file is kept)", deleted.error()));
  }
  SourceImage image;
  image.path = cached.path;
  image.format = cached.format;
  image.size = cached.size;
  image.virtual_size = cached.virtual_size;
  auto made =
      make_volume(step, host, *spec, image, [&](std::vector<std::string> args) -> Result<std::string> {
        if (client) {
          args.insert(args.end(), {"--file", "/dev/stdin"});
          return host.virsh().run_with_file(std::move(args), image.path, reporter(step, image.size),
                                            k_upload_timeout);
        }
        args.insert(args.end(), {"--file", cached.path});
        providers::VirshRunner alone = host.alone();
        alone.set_timeout(k_upload_timeout);
        return alone.run(std::move(args));
      });
  if (!made) return fail(made.error());
  return digest;
}

Result<ImageDigest> create_image_overlay(const ActuatorStep& step, HostSession& host) {
  auto spec = VolumeSpec::from_json(step.desired.spec);
  if (!spec) return fail(step_error(step, "not created", spec.error()));
  VolumeSpec image_spec;
  image_spec.source_url = spec->backing_url;
  image_spec.source_sha256 = spec->backing_sha256;
  image_spec.source_sha512 = spec->backing_sha512;
  image_spec.source_checksum_url = spec->backing_checksum_url;
  FetchSite site{host.transport(), host.config().become, host.config().image_cache, step.desired.stack};
  auto fetched = cached_image(step, site, image_spec);
  if (!fetched) return fail(fetched.error());
  const auto& [digest, cached] = *fetched;
  VolumeSpec overlay = *spec;
  overlay.backing_store = BackingStore{cached.path, cached.format};
  overlay.capacity = std::max(spec->capacity.value_or(0), cached.virtual_size);
  auto document = build_volume_xml(overlay, step.desired.id.name);
  if (!document) return fail(step_error(step, "not created", document.error()));
  auto created = host.virsh().run({"vol-create", "--pool", spec->pool.value_or(""), "--file", "/dev/stdin"},
                                  document->to_string());
  if (!created) return fail(step_error(step, "not created", created.error()));
  return digest;
}

Result<void> fetch_carried_image(const ActuatorStep& step, HostSession& to) {
  const providers::Spec& observed = step.before;
  if (!observed.is_object() || !observed.contains("backing_url")) return {};
  // Another base is no image of the cache: the migration's check refuses it.
  const std::optional<providers::VolumeBase> base = providers::volume_base_of(observed);
  const std::optional<ImageDigest> named = base ? providers::cached_image_digest(base->name) : std::nullopt;
  if (!named) return {};
  const ImageDigest& digest = *named;
  // The declaration's URL, unless it names another image now.
  const providers::Spec& declared = step.desired.spec;
  const bool same_image =
      declared.is_object() && declared.value("backing_" + digest.algorithm, digest.hex) == digest.hex;
  const std::string url = same_image ? declared.value("backing_url", "") : std::string();
  const ImageRequest request{url.empty() ? observed.value("backing_url", "") : url, digest};
  FetchSite site{to.transport(), to.config().become, to.config().image_cache, step.desired.stack};
  auto cached = fetch_image(step, site, request);
  if (!cached) {
    return fail(cached.error().code(),
                fmt::format("volume {} is an overlay of the image {}-{} ({}), which could not be fetched "
                            "into {}'s image cache {}: {}",
                            step.desired.id.name, digest.algorithm, digest.hex, request.url, to.config().name,
                            to.config().image_cache, cached.error().message()));
  }
  return {};
}

Result<void> upload_volume_image(const ActuatorStep& step, HostSession& host,
                                 const std::vector<std::uint8_t>& image) {
  auto spec = VolumeSpec::from_json(step.desired.spec);
  if (!spec) return fail(step_error(step, "not created", spec.error()));
  const std::string& name = step.desired.id.name;
  SourceImage holder;
  holder.format = "raw";
  holder.size = image.size();
  holder.virtual_size = image.size();
  auto xml = holder_xml(name, holder);
  if (!xml) return fail(step_error(step, "not created", xml.error()));
  // Small (a seed is a few hundred KiB): sent on stdin as it is.
  std::string bytes(image.begin(), image.end());
  return create_and_upload(step, host, spec->pool.value_or(""), name, *xml, "its image built in memory",
                           [&](std::vector<std::string> args) {
                             args.insert(args.end(), {"--file", "/dev/stdin"});
                             return host.virsh().run(std::move(args), std::move(bytes));
                           });
}

}  // namespace virtplan::storage
