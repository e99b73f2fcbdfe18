#pragma once

// CloudInitSeed is a NoCloud seed: the inputs a domain's `cloud_init:`
// declares and the ISO 9660 image built from them in memory with libisofs
// (volume label "cidata", Rock Ridge and Joliet names, files user-data,
// meta-data and, when given, network-config), as cloud-init's NoCloud data
// source reads it from a CD-ROM.
//
// The image is a function of the inputs alone: every timestamp is fixed and
// the volume's UUID is constant, so the same inputs give the same bytes on
// every run and the next plan is empty. The content hash is the sha256 of
// the inputs (not of the image, which a newer libisofs might lay out
// differently); meta-data's instance-id is derived from it, so changed
// user-data is a new instance to cloud-init and a new seed volume to virtplan.
//
// In the seed volume's spec (see storage/cloud_init_volumes.h) it reads
//   "cloud_init": {"user_data": "#cloud-config\n...", "network_config": "...",
//                  "meta_data": "...", "hostname": "web", "sha256": "<hex>"}
// where every text is the file's content (the loader reads files the stack
// names). from_spec() reads that back; the sha256 is recomputed, never trusted.

#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::storage {

struct CloudInitSeedInput {
  std::string user_data;                      // the user-data file's text
  std::optional<std::string> network_config;  // network-config's text
  std::optional<std::string> meta_data;       // lines appended to meta-data
  std::optional<std::string> hostname;        // meta-data's local-hostname

  bool operator==(const CloudInitSeedInput&) const = default;
};

class CloudInitSeed {
public:
  explicit CloudInitSeed(CloudInitSeedInput input);

  // From a seed volume spec's "cloud_init" value.
  static providers::Result<CloudInitSeed> from_spec(const nlohmann::json& value);
  // The spec's "cloud_init" value: the inputs and "sha256".
  nlohmann::json to_spec() const;

  const CloudInitSeedInput& input() const { return m_input; }
  // sha256 (hex) of the inputs.
  const std::string& content_hash() const { return m_hash; }
  // "iid-" and the first 16 hex digits of the content hash.
  std::string instance_id() const;
  // The meta-data file: instance-id, local-hostname, then the extra lines.
  std::string meta_data() const;

  // The ISO image. Fails only when libisofs does (out of memory).
  providers::Result<std::vector<std::uint8_t>> image() const;

private:
  CloudInitSeedInput m_input;
  std::string m_hash;
};

}  // namespace virtplan::storage
