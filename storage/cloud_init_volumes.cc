#include "storage/cloud_init_volumes.h"

#include "providers/base/regular_file.h"
#include "storage/cloud_init_seed.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <string>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Diagnostics;
using providers::SourceLocation;
using providers::StackObject;

// Seeds are small; a bigger file is a mistake (an image named as user-data).
constexpr std::uintmax_t k_max_file_bytes = 1 << 20;

// A file the stack names, relative to the directory of the stack file.
std::optional<std::string> read_stack_file(const StackObject& object, const std::string& key,
                                           const std::string& name, Diagnostics& diags) {
  SourceLocation where = object.location("/cloud_init/" + key);
  std::filesystem::path path(name);
  if (path.is_relative()) path = std::filesystem::path(where.file).parent_path() / path;
  // Only a regular file: a FIFO or a device would hang or never end.
  auto file = providers::RegularFile::open(path.string());
  if (!file) {
    const bool exists = file.error().code() == providers::ErrorCode::invalid;
    diags.add(where, fmt::format("{}: cloud_init {}: {}", object.id.address(), key,
                                 exists ? file.error().message() : "cannot read " + path.string()));
    return std::nullopt;
  }
  if (file->size() > k_max_file_bytes) {
    diags.add(where, fmt::format("{}: cloud_init {}: {} is {} bytes, more than a seed takes (1 MiB)",
                                 object.id.address(), key, path.string(), file->size()));
    return std::nullopt;
  }
  auto text = file->read(k_max_file_bytes + 1);
  if (!text || text->size() > k_max_file_bytes) {
    diags.add(where,
              fmt::format("{}: cloud_init {}: cannot read {}", object.id.address(), key, path.string()));
    return std::nullopt;
  }
  return std::move(*text);
}

// user_data and network_config: a file's text, or an inline map as YAML
// (JSON is YAML) after the header cloud-init needs for user-data.
std::optional<std::string> document(const StackObject& object, const json& cloud_init, const std::string& key,
                                    std::string_view header, Diagnostics& diags) {
  const json& value = cloud_init.at(key);
  if (value.is_string()) return read_stack_file(object, key, value.get<std::string>(), diags);
  return std::string(header) + value.dump(2) + "\n";
}

// meta_data: a file's text, or a map written as "key: value" lines.
std::optional<std::string> meta_lines(const StackObject& object, const json& value, Diagnostics& diags) {
  if (value.is_string()) return read_stack_file(object, "meta_data", value.get<std::string>(), diags);
  std::string text;
  for (const auto& item : value.items())
    text += fmt::format("{}: {}\n", json(item.key()).dump(), item.value().dump());
  return text;
}

// The seed CD-ROM's pool, as the domain kind filled it in.
std::optional<std::string> seed_pool(const json& spec, const std::string& volume) {
  const json disks = spec.value("disks", json::object());  // a copy: keep it alive for the loop
  for (const auto& item : disks.items()) {
    const json& disk = item.value().contains("media") ? item.value().at("media") : item.value();
    if (disk.value("volume", "") == volume && disk.contains("pool"))
      return disk.at("pool").get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

std::vector<StackObject> CloudInitVolumes::expand(const StackObject& object, Diagnostics& diags) const {
  if (object.id.kind != "domain" || !object.spec.contains("cloud_init")) return {};
  const json& cloud_init = object.spec.at("cloud_init");
  if (!cloud_init.is_object() || !cloud_init.contains("user_data")) return {};  // reported by the domain kind
  const std::string volume = object.id.name + "-cidata";
  auto pool = seed_pool(object.spec, volume);
  if (!pool) return {};  // no pool to put it in: the domain kind reports that

  CloudInitSeedInput input;
  input.hostname = object.id.name;
  auto user_data = document(object, cloud_init, "user_data", "#cloud-config\n", diags);
  if (!user_data) return {};
  input.user_data = *user_data;
  if (cloud_init.contains("network_config")) {
    input.network_config = document(object, cloud_init, "network_config", "", diags);
    if (!input.network_config) return {};
  }
  if (cloud_init.contains("meta_data")) {
    input.meta_data = meta_lines(object, cloud_init.at("meta_data"), diags);
    if (!input.meta_data) return {};
  }

  StackObject seed;
  seed.id = providers::ObjectId{"volume", volume, object.id.host, *pool};
  seed.stack = object.stack;
  seed.where = object.location("/cloud_init");
  seed.spec = {{"pool", *pool}, {"format", "raw"}, {"cloud_init", CloudInitSeed(input).to_spec()}};
  seed.locations["/cloud_init"] = seed.where;
  return {seed};
}

}  // namespace virtplan::storage
