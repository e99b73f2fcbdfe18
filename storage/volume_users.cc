#include "storage/volume_users.h"

#include "providers/xml/document.h"

namespace virtplan::storage {

using providers::fail;
using providers::Result;
using providers::XmlDocument;

Result<std::vector<DomainDisk>> read_domain_disks(const std::string& xml, bool running) {
  auto document = XmlDocument::parse(xml, "domain");
  if (!document) return fail(document.error());
  std::vector<DomainDisk> disks;
  std::string domain;
  if (auto name = document->root().child("name")) domain = name->text();
  auto devices = document->root().child("devices");
  if (!devices) return disks;
  for (const auto& disk : devices->children("disk")) {
    DomainDisk out;
    out.domain = domain;
    out.running = running;
    if (auto target = disk.child("target")) out.target = target->attr("dev").value_or("");
    auto source = disk.child("source");
    if (!source) continue;
    out.path = source->attr("file").value_or(source->attr("dev").value_or(""));
    out.pool = source->attr("pool").value_or("");
    out.volume = source->attr("volume").value_or("");
    if (out.path.empty() && out.volume.empty()) continue;
    disks.push_back(std::move(out));
  }
  return disks;
}

std::vector<DomainDisk> disks_using(const std::vector<DomainDisk>& disks, const std::string& pool,
                                    const std::string& volume, const std::string& path) {
  std::vector<DomainDisk> out;
  for (const DomainDisk& disk : disks) {
    bool by_path = !path.empty() && disk.path == path;
    bool by_name = !disk.volume.empty() && disk.pool == pool && disk.volume == volume;
    if (by_path || by_name) out.push_back(disk);
  }
  return out;
}

Result<std::string> volume_path(const std::string& volume_xml) {
  auto document = XmlDocument::parse(volume_xml, "volume");
  if (!document) return fail(document.error());
  auto target = document->root().child("target");
  auto path = target ? target->child("path") : std::nullopt;
  return path ? path->text() : std::string();
}

}  // namespace virtplan::storage
