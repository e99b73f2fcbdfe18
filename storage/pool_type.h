#pragma once

// PoolType is the kind of storage behind a libvirt pool (<pool type=...>),
// with what each type takes in its <source> and where its target lies.

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace virtplan::storage {

enum class PoolType { dir, fs, netfs, logical, disk, iscsi, iscsi_direct, scsi, mpath };

std::string_view to_string(PoolType type);  // "iscsi-direct" as libvirt spells it
std::optional<PoolType> pool_type_from_string(std::string_view text);

// The names as the stack spells them, for "expected one of" messages.
inline constexpr std::string_view k_pool_type_names[] = {"dir",   "fs",           "netfs", "logical", "disk",
                                                         "iscsi", "iscsi-direct", "scsi",  "mpath"};

// The `source:` keys this type accepts, and those it cannot do without.
std::vector<std::string_view> pool_source_keys(PoolType type);
std::vector<std::string_view> pool_required_source_keys(PoolType type);

// Where volumes appear when the stack gives no `path:`, as libvirt defaults it;
// nullopt when the stack must say (dir, fs, netfs) or the type has no target
// at all (iscsi-direct) or it depends on the source (logical: /dev/VG).
std::optional<std::string_view> default_pool_path(PoolType type);
bool pool_has_target(PoolType type);  // false for iscsi-direct
// A pool of files (providers::pool_of_files: dir, fs, netfs): the stack must give `path:`.
bool pool_needs_path(PoolType type);
// Whether the pool of a spec (its "type") keeps its volumes as files in a
// target directory of its own, which pool-build makes (and, without flags,
// only makes: it never formats a device): a pool of files, as above.
// Device-backed types share /dev paths by design.
bool pool_owns_directory(const nlohmann::json& spec);

// Shared storage by nature: the `source:` keys that name the storage itself,
// so that two hosts declaring a pool of this type with the same values of
// them see the same volumes (netfs: the export; iscsi, iscsi-direct: the
// target). Empty for a type whose storage is the host's own unless the stack
// says `shared: true` (PoolKind::shares_storage holds the whole rule).
std::vector<std::string_view> pool_shared_source_keys(PoolType type);

// The <format type> libvirt fills in when the source gives none, so that an
// unset format does not read back as a change; nullopt for types without one.
std::optional<std::string_view> default_pool_format(PoolType type);
// The formats libvirt's schema allows for the type.
std::vector<std::string_view> pool_formats(PoolType type);

}  // namespace virtplan::storage
