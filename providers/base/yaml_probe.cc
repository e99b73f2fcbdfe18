#include "providers/base/yaml_probe.h"

namespace virtplan::providers {
namespace {

thread_local YamlProbe* t_probe = nullptr;

}  // namespace

YamlProbe::YamlProbe() : m_outer(t_probe) { t_probe = this; }

YamlProbe::~YamlProbe() { t_probe = m_outer; }

std::set<std::string> YamlProbe::keys_of(const YAML::Node& node) const {
  std::set<std::string> keys;
  for (const Note& note : m_notes) {
    if (!note.key.empty() && note.node.is(node)) keys.insert(note.key);
  }
  return keys;
}

std::set<YamlRead> YamlProbe::reads_of(const YAML::Node& node) const {
  std::set<YamlRead> reads;
  for (const Note& note : m_notes) {
    if (note.read && !note.looked && note.node.is(node)) reads.insert(*note.read);
  }
  return reads;
}

std::optional<std::vector<std::string>> YamlProbe::choices_of(const YAML::Node& node) const {
  for (const Note& note : m_notes) {
    if (note.read == YamlRead::choice && note.node.is(node)) return note.choices;
  }
  return std::nullopt;
}

bool YamlProbe::looked_for_map(const YAML::Node& node) const {
  for (const Note& note : m_notes) {
    if (note.looked && note.read == YamlRead::map && note.node.is(node)) return true;
  }
  return false;
}

bool YamlProbe::looked_for_sequence(const YAML::Node& node) const {
  for (const Note& note : m_notes) {
    if (note.looked && note.read == YamlRead::sequence && note.node.is(node)) return true;
  }
  return false;
}

void YamlProbe::key(const YAML::Node& map, std::string_view key) {
  if (t_probe != nullptr && map.IsDefined() && !key.empty())
    t_probe->m_notes.push_back(Note{map, std::string(key), {}, false, {}});
}

void YamlProbe::read(const YAML::Node& node, YamlRead how) {
  if (t_probe != nullptr && node.IsDefined()) t_probe->m_notes.push_back(Note{node, {}, how, false, {}});
}

void YamlProbe::choices(const YAML::Node& node, std::vector<std::string> allowed) {
  if (t_probe != nullptr && node.IsDefined())
    t_probe->m_notes.push_back(Note{node, {}, YamlRead::choice, false, std::move(allowed)});
}

void YamlProbe::looked(const YAML::Node& node, YamlRead form) {
  if (t_probe != nullptr && node.IsDefined()) t_probe->m_notes.push_back(Note{node, {}, form, true, {}});
}

}  // namespace virtplan::providers
