#pragma once

// fetch_image() puts an image given by URL into the host's image cache and
// says what it is; the volume is then made from the cached file on the host
// (storage/volume_upload.h), so the image crosses no link but the host's own.
//
// On the host, one constant script (host_script_argv: the URL, the digest
// and the cache directory are its arguments, never code):
//   - takes a per-digest lock (flock on CACHE/ALGO-HEX.lock): however many
//     volumes, steps or applies want the image at once, one downloads it and
//     the others wait and then find it;
//   - when CACHE/ALGO-HEX is not there yet, downloads with curl (else wget)
//     to a temporary name, printing `progress BYTES TOTAL` every second;
//   - checks the download's digest; a mismatch deletes it and reports both;
//   - records the stack that wants it in CACHE/ALGO-HEX.stacks (gc's record);
//   - decompresses by content (xz, gzip, zstd when the host has it), renames
//     the result to CACHE/ALGO-HEX only then, and prints `qemu-img info` of
//     it (qcow2 or raw, its virtual size).
// The cache is named by the digest of what was downloaded, so an image is
// fetched once per host whatever URL or volume names it.
//
// With `fetch: client` the same script runs on this machine, into its own
// cache, for hosts that cannot reach the URL; the volume is then streamed to
// the host as a `source:` file is.
//
// The image is hostile input too: one with a backing file or an external
// data file (which would make a volume read the host's own files) is refused.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"
#include "providers/kind/actuator.h"
#include "storage/checksum_file.h"
#include "storage/volume_spec.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace virtplan::storage {

// What the stack asks for: the image at `url` whose content has `digest`.
struct ImageRequest {
  std::string url;
  ImageDigest digest;
};

// The image in the host's cache, ready to be copied into a volume.
struct CachedImage {
  std::string path;        // on the host
  std::string format;      // as qemu-img info says: "qcow2" or "raw"
  std::uint64_t size = 0;  // bytes in the file
  std::uint64_t virtual_size = 0;
  std::string tool;  // "curl" or "wget" when this call downloaded it; empty when cached
};

// Where images are fetched and cached: a host (its transport, as root or
// through sudo as its `become` says, and its `image_cache`), or this machine
// for `fetch: client` (a LocalTransport and client_image_cache()).
struct FetchSite {
  providers::Transport& transport;
  providers::Become become = providers::Become::none;
  std::string cache;
  // The stack the image is for, recorded beside it for `virtplan gc`.
  std::string stack = {};
};

// How long a download may go without a byte before it counts as stalled
// (curl's --speed-time, wget's --read-timeout): $VIRTPLAN_STALL_TIMEOUT
// seconds when set to a positive number, else 60. curl then retries
// fetch_retries() times; a stall that outlasts them fails naming it.
int stall_seconds();

// How many times curl (--retry) or wget (--tries, one more) tries a download
// or a checksum file again after a transient failure (a timeout, a stall,
// HTTP 408, 429, 5xx): $VIRTPLAN_FETCH_RETRIES when set to a number from 0
// to 10, else 3.
int fetch_retries();

// This machine's image cache, for `fetch: client`: $VIRTPLAN_IMAGE_CACHE,
// else $XDG_CACHE_HOME/virtplan/images, else ~/.cache/virtplan/images.
std::string client_image_cache();

// The digest a volume's spec asks for (source_sha256 or source_sha512), or
// the one its source_checksum_url lists for the image's file name, read at
// `site`.
providers::Result<ImageDigest> image_digest(const VolumeSpec& spec, FetchSite& site);

// Makes sure the site's cache holds the image, downloading it when not;
// progress lines go to the step's progress.
providers::Result<CachedImage> fetch_image(const providers::ActuatorStep& step, FetchSite& site,
                                           const ImageRequest& request);

// The parts of the above that read text, tested alone.
namespace image_fetch {

// The script's report (its standard output once it ended): the image it
// left in the cache, or the error its `error` line names (else what it said
// on standard error, `err`).
providers::Result<CachedImage> read_report(std::string_view out, std::string_view err,
                                           const ImageRequest& request);

// What a failed download (`tool` ended with `status`, printing `said` on
// its standard error) means, for a person: DNS, connection, HTTP status,
// timeout, TLS, disk full.
providers::Error download_error(std::string_view tool, int status, std::string_view said,
                                std::string_view url);

// Progress lines: "downloading debian.qcow2: 40 MiB of 100 MiB (40%), 12 MiB/s, 5 s left".
class Progress {
public:
  Progress(std::string file, std::chrono::steady_clock::time_point start);
  // The line for `progress BYTES TOTAL` seen at `now` (TOTAL 0: not known).
  std::string line(std::uint64_t bytes, std::uint64_t total, std::chrono::steady_clock::time_point now) const;

private:
  std::string m_file;
  std::chrono::steady_clock::time_point m_start;
};

}  // namespace image_fetch

}  // namespace virtplan::storage
