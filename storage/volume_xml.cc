#include "storage/volume_xml.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace virtplan::storage {
namespace {

using providers::ErrorCode;
using providers::fail;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

// libvirt's scaledInteger units; dumpxml writes bytes, a hand-written
// document may not.
std::optional<std::uint64_t> unit_scale(const std::string& unit) {
  static const std::map<std::string, std::uint64_t> k_units = {{"", 1},
                                                               {"b", 1},
                                                               {"bytes", 1},
                                                               {"KB", 1000ull},
                                                               {"k", 1ull << 10},
                                                               {"KiB", 1ull << 10},
                                                               {"MB", 1000'000ull},
                                                               {"M", 1ull << 20},
                                                               {"MiB", 1ull << 20},
                                                               {"GB", 1000'000'000ull},
                                                               {"G", 1ull << 30},
                                                               {"GiB", 1ull << 30},
                                                               {"TB", 1000'000'000'000ull},
                                                               {"T", 1ull << 40},
                                                               {"TiB", 1ull << 40}};
  auto it = k_units.find(unit);
  if (it == k_units.end()) return std::nullopt;
  return it->second;
}

Result<std::uint64_t> read_size(XmlNode node) {
  std::string text = node.text();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  auto scale = unit_scale(node.attr("unit").value_or(""));
  if (ec != std::errc() || end != text.data() + text.size() || !scale) {
    return fail(ErrorCode::invalid, fmt::format("invalid <{}> '{}'", node.name(), text));
  }
  return value * *scale;
}

std::string dirname(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> format_of(XmlNode parent) {
  auto format = parent.child("format");
  return format ? format->attr("type") : std::nullopt;
}

}  // namespace

Result<XmlDocument> build_volume_xml(const VolumeSpec& spec, const std::string& name) {
  if (spec.backing && !spec.backing_store) {
    return fail(ErrorCode::invalid,
                fmt::format("the path of backing volume {} is not known (is its pool declared "
                            "with a path?)",
                            *spec.backing));
  }
  XmlDocument document = XmlDocument::create("volume");
  XmlNode root = document.root();
  root.add_child("name").set_text(name);
  // An upload's size comes from its file (a later issue); an overlay takes
  // its backing file's size when it has none of its own.
  if (spec.capacity || !spec.backing) {
    XmlNode capacity = root.add_child("capacity");
    capacity.set_attr("unit", "bytes");
    capacity.set_text(std::to_string(spec.capacity.value_or(0)));
  }
  // Sparse: without this, libvirt writes every byte of a raw volume.
  XmlNode allocation = root.add_child("allocation");
  allocation.set_attr("unit", "bytes");
  allocation.set_text("0");
  root.add_child("target").add_child("format").set_attr("type", spec.format);
  if (spec.backing_store) {
    XmlNode store = root.add_child("backingStore");
    store.add_child("path").set_text(spec.backing_store->path);
    store.add_child("format").set_attr("type", spec.backing_store->format);
  }
  return document;
}

Result<VolumeSpec> read_volume_xml(const XmlDocument& document) {
  XmlNode root = document.root();
  if (root.name() != "volume") {
    return fail(ErrorCode::invalid, fmt::format("expected <volume>, got <{}>", root.name()));
  }
  VolumeSpec spec;
  auto target = root.child("target");
  spec.format = target ? format_of(*target).value_or("raw") : "raw";
  // A dir pool lists its subdirectories as volumes of format `dir`, of no
  // capacity: nothing a stack could create, resize or attach.
  if (spec.format == "dir") {
    return fail(ErrorCode::invalid,
                "format 'dir' (a directory in the pool) is not a volume virtplan manages");
  }
  if (auto capacity = root.child("capacity")) {
    auto size = read_size(*capacity);
    if (!size) return fail(size.error());
    spec.capacity = *size;
  }
  auto store = root.child("backingStore");
  auto store_path = store ? store->child("path") : std::nullopt;
  if (store_path) {
    spec.backing_store = BackingStore{store_path->text(), format_of(*store).value_or("raw")};
    auto own_path = target && target->child("path") ? target->child("path")->text() : "";
    const std::string& path = spec.backing_store->path;
    spec.backing = dirname(path) == dirname(own_path) ? basename(path) : path;
  }
  return spec;
}

}  // namespace virtplan::storage
