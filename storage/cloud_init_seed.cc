// libisofs only declares its copy of libburn's struct burn_source, which is
// how the image is read back, for programs that do not include libburn.
#define LIBISOFS_WITHOUT_LIBBURN 1

#include "storage/cloud_init_seed.h"

#include "providers/base/sha256.h"

#include <fmt/format.h>
#include <libisofs/libisofs.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

namespace virtplan::storage {
namespace {

using json = nlohmann::json;
using providers::ErrorCode;
using providers::Result;

// Every date in the image: directory records, Rock Ridge times and the
// volume descriptor's, so the bytes depend on the inputs alone.
constexpr time_t k_fixed_time = 946684800;  // 2000-01-01T00:00:00Z
// The volume descriptor's creation/modification date, written as given.
constexpr char k_fixed_volume_date[] = "2000010100000000";
// Part of the content hash: bump it when the image layout changes on
// purpose, so existing seeds are replaced.
constexpr std::string_view k_hash_version = "virtplan-nocloud-seed-1";

std::string hash_of(const CloudInitSeedInput& input) {
  json canonical = {{"user_data", input.user_data}};
  if (input.network_config) canonical["network_config"] = *input.network_config;
  if (input.meta_data) canonical["meta_data"] = *input.meta_data;
  if (input.hostname) canonical["hostname"] = *input.hostname;
  providers::Sha256 hash;
  hash.update(k_hash_version);
  hash.update(std::string_view("\n"));
  hash.update(canonical.dump());  // keys sorted: one text per input
  return hash.hex();
}

std::string iso_message(const char* what, int code) {
  return fmt::format("cloud-init seed: {} failed: {}", what, iso_error_to_msg(code));
}

// libisofs keeps global state: initialise once per process, and keep it
// quiet (errors come back as return codes and are reported by the caller).
Result<void> init_libisofs() {
  static std::once_flag once;
  static int status = 0;
  std::call_once(once, [] {
    // bit0: do not take the character set from LC_*; names here are ASCII.
    status = iso_init_with_flag(1);
    if (status >= 0) {
      char never[] = "NEVER";
      char prefix[] = "virtplan";
      iso_set_msgs_severities(never, never, prefix);
    }
  });
  if (status < 0) return providers::fail(ErrorCode::other, iso_message("libisofs init", status));
  return {};
}

struct ImageFree {
  void operator()(IsoImage* image) const { iso_image_unref(image); }
};
struct OptsFree {
  void operator()(IsoWriteOpts* opts) const { iso_write_opts_free(opts); }
};
struct SourceFree {
  void operator()(burn_source* source) const {
    if (source->free_data != nullptr) source->free_data(source);
    std::free(source);
  }
};

Result<void> add_file(IsoImage* image, const char* name, const std::string& content) {
  // The stream owns its buffer and frees it with free().
  auto* buffer = static_cast<unsigned char*>(std::malloc(content.empty() ? 1 : content.size()));
  if (buffer == nullptr) return providers::fail(ErrorCode::other, "cloud-init seed: out of memory");
  std::memcpy(buffer, content.data(), content.size());
  IsoStream* stream = nullptr;
  int status = iso_memory_stream_new(buffer, content.size(), &stream);
  if (status < 0) {
    std::free(buffer);
    return providers::fail(ErrorCode::other, iso_message(name, status));
  }
  IsoFile* file = nullptr;
  status = iso_image_add_new_file(image, iso_image_get_root(image), name, stream, &file);
  if (status < 0) {
    iso_stream_unref(stream);
    return providers::fail(ErrorCode::other, iso_message(name, status));
  }
  // The file now owns the stream. Fixed owner, mode and times for Rock Ridge.
  auto* node = reinterpret_cast<IsoNode*>(file);
  iso_node_set_permissions(node, 0444);
  iso_node_set_uid(node, 0);
  iso_node_set_gid(node, 0);
  iso_node_set_mtime(node, k_fixed_time);
  iso_node_set_atime(node, k_fixed_time);
  iso_node_set_ctime(node, k_fixed_time);
  return {};
}

Result<std::unique_ptr<IsoWriteOpts, OptsFree>> write_options() {
  IsoWriteOpts* raw = nullptr;
  // Profile 2 (distribution): ISO level 3 names, Rock Ridge and Joliet.
  int status = iso_write_opts_new(&raw, 2);
  if (status < 0) return providers::fail(ErrorCode::other, iso_message("write options", status));
  std::unique_ptr<IsoWriteOpts, OptsFree> opts(raw);
  iso_write_opts_set_rockridge(raw, 1);
  iso_write_opts_set_joliet(raw, 1);
  iso_write_opts_set_always_gmt(raw, 1);
  // The volume id as given: ECMA-119 would uppercase it to "CIDATA", and
  // the label NoCloud documents (and blkid shows) is "cidata".
  iso_write_opts_set_relaxed_vol_atts(raw, 1);
  // Every node's times, owner and mode replaced by fixed values.
  iso_write_opts_set_replace_mode(raw, 1, 1, 1, 1);
  iso_write_opts_set_default_dir_mode(raw, 0555);
  iso_write_opts_set_default_file_mode(raw, 0444);
  iso_write_opts_set_default_uid(raw, 0);
  iso_write_opts_set_default_gid(raw, 0);
  iso_write_opts_set_replace_timestamps(raw, 2);
  iso_write_opts_set_default_timestamp(raw, k_fixed_time);
  // Directory records (all three trees) carry that mtime, not the write time.
  iso_write_opts_set_dir_rec_mtime(raw, 7);
  char volume_date[sizeof k_fixed_volume_date];
  std::memcpy(volume_date, k_fixed_volume_date, sizeof volume_date);
  status = iso_write_opts_set_pvd_times(raw, k_fixed_time, k_fixed_time, 0, 0, volume_date);
  if (status < 0) return providers::fail(ErrorCode::other, iso_message("volume times", status));
  return opts;
}

}  // namespace

CloudInitSeed::CloudInitSeed(CloudInitSeedInput input)
    : m_input(std::move(input)), m_hash(hash_of(m_input)) {}

Result<CloudInitSeed> CloudInitSeed::from_spec(const json& value) {
  if (!value.is_object() || !value.contains("user_data") || !value.at("user_data").is_string()) {
    return providers::fail(ErrorCode::invalid, "cloud-init seed: expected an object with user_data text");
  }
  CloudInitSeedInput input;
  input.user_data = value.at("user_data").get<std::string>();
  for (auto [key, field] :
       {std::pair{"network_config", &input.network_config}, std::pair{"meta_data", &input.meta_data},
        std::pair{"hostname", &input.hostname}}) {
    if (!value.contains(key)) continue;
    if (!value.at(key).is_string()) {
      return providers::fail(ErrorCode::invalid, fmt::format("cloud-init seed: {} must be text", key));
    }
    *field = value.at(key).get<std::string>();
  }
  return CloudInitSeed(std::move(input));
}

json CloudInitSeed::to_spec() const {
  json out = {{"user_data", m_input.user_data}, {"sha256", m_hash}};
  if (m_input.network_config) out["network_config"] = *m_input.network_config;
  if (m_input.meta_data) out["meta_data"] = *m_input.meta_data;
  if (m_input.hostname) out["hostname"] = *m_input.hostname;
  return out;
}

std::string CloudInitSeed::instance_id() const { return "iid-" + m_hash.substr(0, 16); }

std::string CloudInitSeed::meta_data() const {
  std::string text = "instance-id: " + instance_id() + "\n";
  if (m_input.hostname) text += "local-hostname: " + *m_input.hostname + "\n";
  if (m_input.meta_data) {
    text += *m_input.meta_data;
    if (!text.empty() && text.back() != '\n') text += '\n';
  }
  return text;
}

Result<std::vector<std::uint8_t>> CloudInitSeed::image() const {
  if (auto ready = init_libisofs(); !ready) return providers::fail(ready.error());
  IsoImage* raw_image = nullptr;
  // The name is the volume id (the label cloud-init looks for) and volume set id.
  int status = iso_image_new("cidata", &raw_image);
  if (status < 0) return providers::fail(ErrorCode::other, iso_message("new image", status));
  std::unique_ptr<IsoImage, ImageFree> image(raw_image);
  iso_image_set_application_id(raw_image, "virtplan");

  std::vector<std::pair<const char*, std::string>> files = {{"meta-data", meta_data()},
                                                            {"user-data", m_input.user_data}};
  if (m_input.network_config) files.emplace_back("network-config", *m_input.network_config);
  for (const auto& [name, content] : files) {
    if (auto added = add_file(raw_image, name, content); !added) return providers::fail(added.error());
  }
  iso_node_set_mtime(reinterpret_cast<IsoNode*>(iso_image_get_root(raw_image)), k_fixed_time);

  auto opts = write_options();
  if (!opts) return providers::fail(opts.error());
  burn_source* raw_source = nullptr;
  status = iso_image_create_burn_source(raw_image, opts->get(), &raw_source);
  if (status < 0) return providers::fail(ErrorCode::other, iso_message("image creation", status));
  std::unique_ptr<burn_source, SourceFree> source(raw_source);

  // The writer thread fills 2048-byte blocks; read until it says the end.
  std::vector<std::uint8_t> bytes;
  const off_t size = source->get_size(raw_source);
  if (size > 0) bytes.reserve(static_cast<std::size_t>(size));
  unsigned char block[2048];
  for (;;) {
    int n = source->read_xt(raw_source, block, sizeof block);
    if (n < 0) {
      source->cancel(raw_source);
      return providers::fail(ErrorCode::other, "cloud-init seed: writing the image failed");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), block, block + n);
  }
  return bytes;
}

}  // namespace virtplan::storage
