#pragma once

// upload_volume() makes a volume from its `source:` file: the volume is
// created in the file's own format and size, then the file is streamed into
// it with `virsh vol-upload --file /dev/stdin` over the host's transport
// (never read into memory), with progress. When the stack asks for another
// format, the file goes into a temporary volume NAME.upload first and
// `vol-create-from` converts it (libvirt runs qemu-img on the host), then the
// temporary volume is deleted. A capacity larger than the image's grows it
// afterwards. On failure, what was made is deleted again and the error says so.
//
// fetch_volume() is the same for an image by URL (`source: {url, sha256}`):
// the image is fetched into the host's cache (storage/image_fetch.h) and
// virsh on the host uploads it from there, converting it the same way.
// Returns the digest it was verified by, for the ledger (with checksum_url,
// the one the checksum file listed).
//
// upload_volume_image() is the same for content made in memory (a cloud-init
// seed, storage/cloud_init_seed.h): a raw volume of the image's size, then
// vol-upload with the bytes on standard input.

#include "providers/kind/actuator.h"
#include "storage/checksum_file.h"

#include <cstdint>
#include <vector>

namespace virtplan::storage {

providers::Result<void> upload_volume(const providers::ActuatorStep& step, providers::HostSession& host);
// create_image_overlay() makes a qcow2 overlay (`backing: {source: {url,
// sha256}}`) whose backing file is the image in the host's cache, fetched
// there first as for fetch_volume(); its capacity is the stack's or the
// image's. Returns the image's digest.
providers::Result<ImageDigest> create_image_overlay(const providers::ActuatorStep& step,
                                                    providers::HostSession& host);
// fetch_carried_image() is the same fetch for an overlay of an image by URL
// that a migration carries to `to` (KindActuator::prepare_carried): the
// image its base on the source is (the cached file step.before names, by its
// digest) goes into `to`'s cache, downloaded there from the declaration's
// URL (the one the volume was made from when the declaration names another
// digest) unless cached; nothing for a volume that is no such overlay.
providers::Result<void> fetch_carried_image(const providers::ActuatorStep& step, providers::HostSession& to);
// What fetch_volume() finds: no volume yet (a create), or the volume to make
// anew once the image is in the cache (a base_only volume's new base).
enum class Existing { none, replace };
providers::Result<ImageDigest> fetch_volume(const providers::ActuatorStep& step, providers::HostSession& host,
                                            Existing existing);
providers::Result<void> upload_volume_image(const providers::ActuatorStep& step, providers::HostSession& host,
                                            const std::vector<std::uint8_t>& image);

}  // namespace virtplan::storage
