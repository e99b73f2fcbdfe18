#pragma once

// VolumeSpec is the typed form of a volume's canonical spec. Its JSON form
// (to_json) is:
//
//   {"pool": "images", "format": "qcow2", "capacity": 10737418240,
//    "backing": "base",
//    "backing_store": {"path": "/var/lib/virtplan/images/base", "format": "qcow2"},
//    "source": "/stacks/images/base.qcow2", "source_sha256": "9f86d0...",
//    "protect": false, "allow_shrink": false}
//
// or, for an image fetched by URL on the host (storage/image_fetch.h):
//
//   {..., "source_url": "https://cloud.example/debian-12.qcow2",
//    "source_sha256": "9f86d0..."}        (or "source_sha512": ...,
//                                          or "source_checksum_url": URL)
//
// or, for a base of clones (`base_only: true`), "base_only": true with the
// digest as "base_sha256" (or "base_sha512"); a clone (`backing:` naming a
// base_only volume) then holds "backing" (the base's name) with the base's
// "backing_url" and "backing_sha256" (VolumeKind::resolve), and is made as
// an overlay of the cached image, below;
//
// or, for an overlay of such an image, "backing_url" with "backing_sha256"
// (or "backing_sha512", or "backing_checksum_url"); the host's XML then
// shows the cached image as "backing" (its path) and "backing_store".
//
// With "source_checksum_url" the digest is the one that file lists for the
// image's file name when the volume is made; the ledger records it (as
// "source_sha256" or "source_sha512") and reconcile() takes it as the
// stack's while the two URLs stay the same: a checksum file republished
// upstream does not replace a disk the stack did not change.
//
// "backing" names a volume of the same pool. "backing_store" is libvirt's
// <backingStore>: the loader's resolve() step derives it from the stack's pool
// (its target path) and backing volume (its format), and parse_xml() reads it
// back, so a backing file that moved shows as a change. "capacity" is absent
// when the stack leaves it to the source or the backing volume.
//
// What libvirt's XML does not hold, parse_xml() leaves out: "pool" (the
// observer knows which pool it listed the volume in and sets /pool), and
// "source", "source_sha256", the "source_url" keys, "protect" and
// "allow_shrink", which the host's
// ledger keeps (VolumeActuator's ledger_data; the observer merges them in).

#include "providers/base/error.h"
#include "storage/backing_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::storage {

struct VolumeSpec {
  std::optional<std::string> pool;
  std::string format = "raw";
  std::optional<std::uint64_t> capacity;  // bytes
  std::optional<std::string> backing;
  std::optional<BackingStore> backing_store;
  // A file on the control machine, made absolute (relative to the stack
  // file) by the parser, and the sha256 of its content when parsed: the
  // volume is its upload, and a changed file is a new volume.
  std::optional<std::string> source;
  std::optional<std::string> source_sha256;
  // An image by URL, downloaded on the host into its image cache and
  // verified by its digest before any volume is made of it: source_sha256,
  // source_sha512, or the digest source_checksum_url lists for it.
  std::optional<std::string> source_url;
  std::optional<std::string> source_sha512;
  std::optional<std::string> source_checksum_url;
  // "client" (`fetch: client`): this machine fetches the image and streams
  // it to the host; absent: the host fetches it.
  std::optional<std::string> source_fetch;
  // A qcow2 overlay of an image by URL (`backing: {source: {url, sha256}}`):
  // its backing file is the host's cached copy of the image, shared by
  // every overlay of it there. Verified like a source image.
  std::optional<std::string> backing_url;
  std::optional<std::string> backing_sha256;
  std::optional<std::string> backing_sha512;
  std::optional<std::string> backing_checksum_url;
  // `base_only: true` on an image by URL: the volume is a base for clones,
  // which are backed by the cached image of the digest they were made from
  // (not by this file), so a new digest gives new clones a new base and
  // leaves existing ones theirs. Its digest's JSON key is then base_sha256
  // (base_sha512), not source_*: the field rules decide by the key.
  std::optional<bool> base_only;
  std::optional<bool> protect;
  std::optional<bool> allow_shrink;

  nlohmann::json to_json() const;
  static providers::Result<VolumeSpec> from_json(const nlohmann::json& value);
};

// The volume formats the stack accepts: libvirt's storageFormat list
// (storagecommon.rng) for file volumes.
inline constexpr std::string_view k_volume_formats[] = {"raw",   "qcow2", "qcow", "qed",  "vmdk",
                                                        "vdi",   "vpc",   "vhd",  "iso",  "cow",
                                                        "bochs", "cloop", "dmg",  "ploop"};

}  // namespace virtplan::storage
