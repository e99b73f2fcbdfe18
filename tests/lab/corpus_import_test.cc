// The corpus (tests/corpus, origins in tests/corpus/ORIGINS.md): real-world
// libvirt XML that libvirt 9.0 accepts, defined on a lab host as an
// administrator's tools left it, then adopted by `virtplan import` (one run
// for all of it). For every object: import adopts it or refuses naming why
// (exit 0 or 1, never a crash); the YAML it prints validates; the plan of the
// stack holding it is empty; and nothing of its XML is lost, neither by the
// import (which redefines domains and networks with the owner marker) nor by
// an apply that changes one field (a domain's memory; a network's DHCP hosts
// through net-update, then its bridge through a redefine; a pool's
// autostart). The table of what happened is printed and written to
// $VIRTPLAN_CORPUS_TABLE (README.md, "Fidelity").
//
// Known defects (k_corpus_known_failures) are reported, not failed: deleting
// a line of that table makes its object count again. A listed object that no
// longer fails fails the test, so the table cannot outlive its defects.

#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using virtplan::lab::LabEnv;
using virtplan::providers::shell_quote;
namespace fs = std::filesystem;

const std::string k_corpus_stack = "corpus";
const std::string k_corpus_pool = "c-vols";  // the dir pool the corpus volumes are created in

// ---- the corpus and what each kind of object needs -------------------------

// One folder of tests/corpus, in the order objects are made: pools (the
// volumes' pool among them), volumes, networks, domains.
struct CorpusKind {
  std::string_view folder;
  std::string_view kind;
  std::string_view define;  // virsh command that makes one from a file
  std::string_view dump;    // virsh command that prints one's inactive XML
  // What libvirt itself changes over time (sizes a pool or volume reports,
  // access times): not the stack's doing, never counted as lost.
  std::vector<std::string_view> volatile_paths;
};

const std::vector<CorpusKind>& corpus_kinds() {
  static const std::vector<CorpusKind> kinds = {
      {"pools",
       "pool",
       "pool-define",
       "pool-dumpxml --inactive",
       {"/pool/capacity", "/pool/allocation", "/pool/available"}},
      {"volumes",
       "volume",
       "vol-create --pool c-vols",
       "vol-dumpxml --pool c-vols",
       {"/volume/allocation", "/volume/physical", "/volume/target/timestamps", "/volume/capacity"}},
      {"networks", "network", "net-define", "net-dumpxml --inactive", {}},
      // --security-info: a console password is part of the XML an import must keep
      {"domains", "domain", "define", "dumpxml --inactive --security-info", {}},
  };
  return kinds;
}

// The defects another change fixes; an object listed here is still run, but
// what it fails is reported as known instead of failing the test. Issue 17's
// (a foreign network of forward mode hostdev/vepa breaking the host's reads,
// the graphics passwd dropped by a redefine, a CPU change resetting
// check/fallback, imported inactive pools planned to start, printed YAML its
// own validate rejected) are fixed: none is listed.
enum class CorpusDefect { graphics_password, inactive_pool_state, rejected_yaml };

struct CorpusDefectText {
  CorpusDefect defect;
  std::string_view tag;
  std::string_view what;
};

constexpr CorpusDefectText k_corpus_defects[] = {
    {CorpusDefect::graphics_password, "(b)",
     "import/redefine drops the graphics passwd (no --security-info)"},
    {CorpusDefect::inactive_pool_state, "(d)", "an imported inactive pool plans active: false -> true"},
    {CorpusDefect::rejected_yaml, "(e)", "import prints YAML its own validate rejects"},
};

struct CorpusKnownFailure {
  std::string_view file;
  CorpusDefect defect;
};

// One line per corpus file, e.g.
//   {"pools/pool-dir.xml", CorpusDefect::inactive_pool_state},
const std::vector<CorpusKnownFailure> k_corpus_known_failures = {};

const CorpusDefectText& defect_text(CorpusDefect defect) {
  return *std::find_if(std::begin(k_corpus_defects), std::end(k_corpus_defects),
                       [&](const CorpusDefectText& text) { return text.defect == defect; });
}

std::optional<CorpusDefect> known_defect(const std::string& file) {
  for (const CorpusKnownFailure& known : k_corpus_known_failures) {
    if (known.file == file) return known.defect;
  }
  return std::nullopt;
}

// One corpus file and what became of it.
struct CorpusObject {
  std::string file;  // "domains/vi-ubuntu2204.xml"
  const CorpusKind* kind = nullptr;
  std::string name;  // its <name>
  std::optional<CorpusDefect> known;
  // results
  bool defined = false;
  bool imported = false;
  std::string refused = {};            // import's reason
  std::string rejected = {};           // validate's message on the printed YAML
  std::string plan_change = {};        // the plan's lines for it; empty: plan empty
  std::string change = {};             // the one-field change applied, if any
  std::string apply_error = {};        // the apply's message for it
  std::vector<std::string> lost = {};  // XML facts gone after import or apply
  std::string yaml_file = {};          // its file in the stack dir

  std::string address(const std::string& host) const {
    return fmt::format("{}.{}@{}", kind->kind, name, host);
  }
  bool failed() const {
    return !rejected.empty() || !plan_change.empty() || !apply_error.empty() || !lost.empty();
  }
};

std::string read_corpus_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string xml_unescaped(std::string text) {
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (std::size_t at; (at = text.find(from)) != std::string::npos;)
      text.replace(at, std::string(from).size(), to);
  }
  return text;
}

fs::path corpus_dir() { return fs::path(VIRTPLAN_SOURCE_DIR) / "tests" / "corpus"; }

std::vector<CorpusObject> load_corpus() {
  std::vector<CorpusObject> objects;
  const std::regex name_pattern("<name>([^<]*)</name>");
  for (const CorpusKind& kind : corpus_kinds()) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(corpus_dir() / kind.folder))
      files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& path : files) {
      std::smatch name;
      const std::string text = read_corpus_file(path);
      REQUIRE(std::regex_search(text, name, name_pattern));
      const std::string file = fmt::format("{}/{}", kind.folder, path.filename().string());
      objects.push_back(CorpusObject{
          .file = file, .kind = &kind, .name = xml_unescaped(name[1]), .known = known_defect(file)});
    }
  }
  return objects;
}

// ---- the host side: one virsh process per batch ----------------------------

// Runs virsh commands in one process (`virsh 'a; b; ...'` goes on after a
// failing command) inside lab host 0; its stdout and stderr.
std::string virsh_batch(const LabEnv& env, const std::vector<std::string>& commands) {
  std::string joined;
  for (const std::string& command : commands) joined += (joined.empty() ? "" : " ; ") + command;
  return env.run_in(0, "virsh -q " + shell_quote(joined) + " 2>&1; true");
}

// A marker virsh echoes between objects, so one batch's output splits by object.
std::string corpus_marker(const std::string& file) { return "@@@" + file + "@@@"; }

std::map<std::string, std::string> split_by_marker(const std::string& output) {
  std::map<std::string, std::string> parts;
  const std::regex marker("@@@([^@]+)@@@");
  auto it = std::sregex_iterator(output.begin(), output.end(), marker);
  for (; it != std::sregex_iterator(); ++it) {
    const auto next = std::next(it);
    const std::size_t begin = it->position() + it->length();
    const std::size_t end = next == std::sregex_iterator() ? output.size() : next->position();
    parts[(*it)[1]] = output.substr(begin, end - begin);
  }
  return parts;
}

std::string quoted_name(const std::string& name) { return "'" + name + "'"; }  // virsh's own quoting

void remove_corpus_objects(const LabEnv& env) {
  env.run_in(
      0,
      "for d in $(virsh list --all --name | grep '^c-'); do virsh -q undefine --nvram \"$d\" >/dev/null 2>&1 ||"
      " virsh -q undefine \"$d\" >/dev/null 2>&1; done;"
      " for n in $(virsh net-list --all --name | grep '^c-'); do virsh -q net-destroy \"$n\" >/dev/null 2>&1;"
      " virsh -q net-undefine \"$n\" >/dev/null 2>&1; done;"
      " virsh -q vol-list --pool c-vols 2>/dev/null | awk '{print $1}' | while read -r v; do"
      " virsh -q vol-delete --pool c-vols \"$v\" >/dev/null 2>&1; done;"
      " for p in $(virsh pool-list --all --name | grep '^c-'); do virsh -q pool-destroy \"$p\" >/dev/null 2>&1;"
      " virsh -q pool-undefine \"$p\" >/dev/null 2>&1; done;"
      " rm -rf /var/lib/virtplan/corpus-vols /var/lib/virtplan/corpus-pools /var/lib/virtplan/ledger/" +
          k_corpus_stack + ".json; true");
}

// Defines every object in one virsh run; the corpus' volumes need their pool
// started first. Returns what virsh said of each file that failed.
std::map<std::string, std::string> define_corpus(const LabEnv& env, std::vector<CorpusObject>& objects) {
  env.run_in(0, "mkdir -p /var/lib/virtplan/corpus-vols /var/lib/virtplan/corpus-pools");
  // virsh reads the files on the host, whose /tmp, /root and libvirt trees
  // are its own: a checkout under /tmp is not there. The host's /tmp is a
  // folder of the lab dir, so the corpus is copied into it.
  const fs::path host_tmp = fs::path(env.dir) / env.hosts[0].name / "tmp";
  fs::remove_all(host_tmp / "virtplan-corpus");
  fs::copy(corpus_dir(), host_tmp / "virtplan-corpus", fs::copy_options::recursive);
  std::vector<std::string> commands;
  bool pool_started = false;
  for (const CorpusObject& object : objects) {
    if (object.kind->kind == "volume" && !pool_started) {
      commands.push_back("pool-start " + k_corpus_pool);
      pool_started = true;
    }
    commands.push_back("echo " + corpus_marker(object.file));
    commands.push_back(fmt::format("{} /tmp/virtplan-corpus/{}", object.kind->define, object.file));
  }
  std::map<std::string, std::string> failures;
  for (const auto& [file, said] : split_by_marker(virsh_batch(env, commands))) {
    if (said.find("error:") != std::string::npos) failures[file] = virtplan::lab::trimmed(said);
  }
  for (CorpusObject& object : objects) object.defined = !failures.contains(object.file);
  return failures;
}

// Every defined object's XML as its host holds it now, by file.
std::map<std::string, std::string> dump_corpus(const LabEnv& env, const std::vector<CorpusObject>& objects) {
  std::vector<std::string> commands;
  for (const CorpusObject& object : objects) {
    if (!object.defined) continue;
    commands.push_back("echo " + corpus_marker(object.file));
    commands.push_back(fmt::format("{} {}", object.kind->dump, quoted_name(object.name)));
  }
  return split_by_marker(virsh_batch(env, commands));
}

// ---- XML as a set of facts ---------------------------------------------------

// An XML document as the multiset of what it says: every element's path
// ("/domain/devices/disk/target"), every attribute with its value
// ("...target@dev=vda") and every text ("/domain/memory#text=131072").
// Positions are left out, so an element libvirt adds does not shift the
// others; counts are kept, so one of two identical disks going is seen.
// The owner marker is virtplan's own and left out.
// An attribute as a fact. An <ip>'s netmask and prefix are one fact said two
// ways (libvirt reads both): virtplan writes the prefix.
std::string canonical_fact(const std::string& path, std::string_view name, std::string_view value) {
  if (name == "netmask") {
    int bits = 0;
    std::istringstream octets{std::string(value)};
    for (std::string octet; std::getline(octets, octet, '.');)
      bits += std::popcount(static_cast<unsigned>(std::stoi(octet)));
    return fmt::format("{}@prefix={}", path, bits);
  }
  return fmt::format("{}@{}={}", path, name, value);
}

void collect_xml_facts(xmlNode* node, const std::string& parent, std::multiset<std::string>& facts) {
  for (xmlNode* child = node; child; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    if (child->ns && child->ns->href &&
        std::string_view(reinterpret_cast<const char*>(child->ns->href)).find("virtplan") !=
            std::string_view::npos) {
      continue;
    }
    std::string name = reinterpret_cast<const char*>(child->name);
    if (child->ns && child->ns->prefix)
      name = reinterpret_cast<const char*>(child->ns->prefix) + (":" + name);
    const std::string path = parent + "/" + name;
    facts.insert(path);
    for (xmlAttr* attr = child->properties; attr; attr = attr->next) {
      xmlChar* value = xmlNodeListGetString(child->doc, attr->children, 1);
      facts.insert(canonical_fact(path, reinterpret_cast<const char*>(attr->name),
                                  value ? reinterpret_cast<const char*>(value) : ""));
      xmlFree(value);
    }
    for (xmlNode* text = child->children; text; text = text->next) {
      if (text->type != XML_TEXT_NODE || !text->content) continue;
      const std::string content = virtplan::lab::trimmed(reinterpret_cast<const char*>(text->content));
      if (!content.empty()) facts.insert(path + "#text=" + content);
    }
    collect_xml_facts(child->children, path, facts);
  }
}

std::multiset<std::string> xml_facts(const std::string& xml) {
  std::multiset<std::string> facts;
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "corpus.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  if (!doc) return facts;
  collect_xml_facts(xmlDocGetRootElement(doc), "", facts);
  xmlFreeDoc(doc);
  return facts;
}

bool under_any(const std::string& fact, const std::vector<std::string_view>& paths) {
  return std::any_of(paths.begin(), paths.end(), [&](std::string_view path) {
    return fact.starts_with(path) &&
           (fact.size() == path.size() ||
            std::string_view("/@#=").find(fact[path.size()]) != std::string_view::npos);
  });
}

// What `before` said that `after` no longer says, but for `changed` (the
// paths the stack's change rewrites) and the kind's volatile paths.
std::vector<std::string> lost_facts(const std::string& before, const std::string& after,
                                    std::vector<std::string_view> changed) {
  const auto was = xml_facts(before);
  const auto now = xml_facts(after);
  std::vector<std::string> lost;
  for (auto it = was.begin(); it != was.end(); it = was.upper_bound(*it)) {
    if (under_any(*it, changed)) continue;
    const auto had = was.count(*it), has = now.count(*it);
    if (has < had) lost.push_back(had - has > 1 ? fmt::format("{} (x{})", *it, had - has) : *it);
  }
  return lost;
}

void record_losses(std::vector<CorpusObject>& objects, const std::map<std::string, std::string>& before,
                   const std::map<std::string, std::string>& after, const std::string& step,
                   const std::map<std::string, std::vector<std::string_view>>& changed) {
  for (CorpusObject& object : objects) {
    if (!before.contains(object.file) || !after.contains(object.file)) continue;
    std::vector<std::string_view> skip = object.kind->volatile_paths;
    if (auto it = changed.find(object.file); it != changed.end())
      skip.insert(skip.end(), it->second.begin(), it->second.end());
    for (const std::string& fact : lost_facts(before.at(object.file), after.at(object.file), skip)) {
      object.lost.push_back(step + ": " + fact);
    }
  }
}

// ---- the stack: import, split, validate, plan --------------------------------

// `virtplan import` of every defined object in one run; its stdout (the
// YAML of all it adopted) and each address's line on stderr.
std::string import_corpus(const LabEnv& env, const fs::path& dir, std::vector<CorpusObject>& objects) {
  const std::string host = env.hosts[0].name;
  std::string args = "import";
  for (const CorpusObject& object : objects) {
    if (object.defined) args += " " + shell_quote(object.address(host));
  }
  const fs::path errors = dir.parent_path() / (dir.filename().string() + ".import-errors");
  const auto run =
      virtplan::lab::virtplan_stdout(args + " -f " + shell_quote((dir / "base.yaml").string()), errors);
  const std::string said = read_corpus_file(errors);
  fs::remove(errors);
  INFO("virtplan import:\n" << said);
  REQUIRE((run.status == 0 || run.status == 1));  // never a crash or another code
  for (CorpusObject& object : objects) {
    if (!object.defined) continue;
    const std::string address = object.address(host);
    std::istringstream lines(said);
    for (std::string line; std::getline(lines, line);) {
      // "ADDR: now owned by ...", "ADDR: ..." or "not imported: ADDR: ..."
      const std::size_t at = line.find(address + ": ");
      if (at == std::string::npos || (at > 0 && line[at - 1] != ' ')) continue;
      if (virtplan::lab::has(line, ": now owned by stack")) {
        object.imported = true;
      } else if (object.refused.empty()) {
        object.refused = line.substr(at + address.size() + 2);
      }
    }
    if (!object.imported && object.refused.empty()) object.refused = "(import said nothing of it)";
  }
  return run.output;
}

// The printed YAML cut into one block per object (`SECTION:` lines at the
// left, `  NAME:` under them), keyed by section and name.
std::map<std::pair<std::string, std::string>, std::string> split_stack_yaml(const std::string& yaml) {
  std::map<std::pair<std::string, std::string>, std::string> blocks;
  std::string section, name;
  std::istringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != ' ') {
      section = line.substr(0, line.find(':'));
      name.clear();
    } else if (line.starts_with("  ") && line.size() > 2 && line[2] != ' ') {
      name = line.substr(2, line.rfind(':') - 2);
      if (name.size() >= 2 && (name.front() == '"' || name.front() == '\''))
        name = name.substr(1, name.size() - 2);
      blocks[{section, name}] = section + ":\n" + line + "\n";
    } else if (!name.empty()) {
      blocks[{section, name}] += line + "\n";
    }
  }
  return blocks;
}

std::string section_of(const CorpusObject& object) { return std::string(object.kind->folder); }

// Writes each imported object's YAML into a file of its own in the stack dir.
void write_object_files(const fs::path& dir, const std::string& yaml, std::vector<CorpusObject>& objects) {
  const auto blocks = split_stack_yaml(yaml);
  int index = 0;
  for (CorpusObject& object : objects) {
    if (!object.imported) continue;
    auto block = blocks.find({section_of(object), object.name});
    if (block == blocks.end()) {
      object.rejected = "its YAML is missing from what import printed";
      continue;
    }
    object.yaml_file = fmt::format("{}-{:03}.yaml", object.kind->kind, ++index);
    std::ofstream(dir / object.yaml_file) << block->second;
  }
}

// A file validate names takes its object out of the stack (to `out`) with
// the message; again until the rest validates.
void validate_until_clean(const fs::path& dir, const fs::path& out, std::vector<CorpusObject>& objects) {
  for (int round = 0; round < 5; ++round) {
    const auto run = virtplan::test::run_virtplan("validate -f " + shell_quote(dir.string()));
    if (run.status == 0) return;
    bool any = false;
    for (CorpusObject& object : objects) {
      if (object.yaml_file.empty() || !object.rejected.empty()) continue;
      std::istringstream lines(run.output);
      for (std::string line; std::getline(lines, line);) {
        // the file a message is about comes first; others it names are context
        if (!virtplan::lab::has(line.substr(0, line.find(' ')), "/" + object.yaml_file + ":")) continue;
        object.rejected += (object.rejected.empty() ? "" : "; ") + line.substr(line.find(object.yaml_file));
      }
      if (!object.rejected.empty()) {
        fs::rename(dir / object.yaml_file, out / object.yaml_file);
        any = true;
      }
    }
    INFO(run.output);
    REQUIRE(any);  // validate failed naming none of the objects' files
  }
}

std::string target_args(const std::vector<const CorpusObject*>& targets, const std::string& host) {
  std::string args;
  for (const CorpusObject* object : targets) args += " --target " + shell_quote(object->address(host));
  return args;
}

// The plan's lines for `address`: its line and the deeper ones under it.
std::string plan_lines_of(const std::string& plan, const std::string& address) {
  std::istringstream lines(plan);
  std::string found;
  bool inside = false;
  for (std::string line; std::getline(lines, line);) {
    if (virtplan::lab::has(line, address + " ") || line.ends_with(address)) {
      inside = true;
      found += virtplan::lab::trimmed(line) + "; ";
    } else if (inside && line.starts_with("      ")) {
      found += virtplan::lab::trimmed(line) + "; ";
    } else {
      inside = false;
    }
  }
  return found;
}

// The plan of every object in the stack (by --target: objects taken out
// stay owned and are not this plan's business); each object it changes is
// recorded.
void plan_corpus(const fs::path& dir, const std::string& host, std::vector<CorpusObject>& objects) {
  std::vector<const CorpusObject*> targets;
  for (const CorpusObject& object : objects) {
    if (!object.yaml_file.empty() && object.rejected.empty()) targets.push_back(&object);
  }
  if (targets.empty()) return;
  const auto run = virtplan::test::run_virtplan("plan --detailed-exitcode -f " + shell_quote(dir.string()) +
                                                target_args(targets, host));
  INFO(run.output);
  REQUIRE((run.status == 0 || run.status == 2));
  if (run.status == 0) return;
  for (CorpusObject& object : objects) {
    if (object.yaml_file.empty() || !object.rejected.empty()) continue;
    object.plan_change = plan_lines_of(run.output, object.address(host));
  }
}

// ---- item 2: one field changed by an apply ------------------------------------

// Rewrites `key: VALUE` at `indent` in an object's YAML; whether it was there.
bool rewrite_yaml_key(const fs::path& file, const std::string& indent_key, const std::string& value) {
  std::string text = read_corpus_file(file);
  const std::regex line("(^|\n)" + indent_key + ": [^\n]*");
  if (!std::regex_search(text, line)) return false;
  std::ofstream(file, std::ios::trunc) << std::regex_replace(text, line, "$1" + indent_key + ": " + value,
                                                             std::regex_constants::format_first_only);
  return true;
}

// Adds a static DHCP lease (.250 of the network's range) to a network that
// has DHCP hosts; whether it could.
bool add_dhcp_host(const fs::path& file, int index) {
  std::string text = read_corpus_file(file);
  std::smatch range;
  const std::size_t hosts = text.find("        hosts:\n");
  if (hosts == std::string::npos ||
      !std::regex_search(text, range, std::regex("range: (\\d+\\.\\d+\\.\\d+)\\."))) {
    return false;
  }
  text.insert(
      hosts + std::string_view("        hosts:\n").size(),
      fmt::format(
          "          - ip: {}.250\n            mac: 52:54:00:c0:{:02x}:01\n            name: corpus-added\n",
          range[1].str(), index % 256));
  std::ofstream(file, std::ios::trunc) << text;
  return true;
}

bool plan_empty(const CorpusObject& object) {
  return object.imported && object.rejected.empty() && object.plan_change.empty() &&
         !object.yaml_file.empty();
}

// The first apply's changes: a domain's memory, a network's DHCP hosts
// (net-update), a pool's autostart (pool-autostart). Paths each rewrites, by file.
std::map<std::string, std::vector<std::string_view>> first_changes(const fs::path& dir,
                                                                   std::vector<CorpusObject>& objects) {
  std::map<std::string, std::vector<std::string_view>> changed;
  int index = 0;
  for (CorpusObject& object : objects) {
    if (!plan_empty(object)) continue;
    const fs::path file = dir / object.yaml_file;
    const std::string_view kind = object.kind->kind;
    ++index;
    if (kind == "domain" && rewrite_yaml_key(file, "    memory", "333MiB")) {
      object.change = "memory: 333MiB";
      changed[object.file] = {"/domain/memory", "/domain/currentMemory"};
    } else if (kind == "network" && add_dhcp_host(file, index)) {
      object.change = "DHCP host added (net-update)";
      changed[object.file] = {};
    } else if (kind == "pool" && rewrite_yaml_key(file, "    autostart", "true")) {
      object.change = "autostart: true";
      changed[object.file] = {};
    }
  }
  return changed;
}

// The second apply's change: a network's bridge, which libvirt cannot change
// in place (redefine).
std::map<std::string, std::vector<std::string_view>> second_changes(const fs::path& dir,
                                                                    std::vector<CorpusObject>& objects) {
  std::map<std::string, std::vector<std::string_view>> changed;
  int index = 0;
  for (CorpusObject& object : objects) {
    if (!plan_empty(object) || object.kind->kind != "network" || !object.apply_error.empty()) continue;
    if (rewrite_yaml_key(dir / object.yaml_file, "    bridge", fmt::format("vpkr{}", ++index))) {
      object.change += (object.change.empty() ? "" : ", ") + std::string("bridge renamed (redefine)");
      changed[object.file] = {"/network/bridge@name"};
    }
  }
  return changed;
}

// Applies the changed objects (--target: only them) and records each one's
// failure from the report.
void apply_changes(const fs::path& dir, const std::string& host, std::vector<CorpusObject>& objects,
                   const std::map<std::string, std::vector<std::string_view>>& changed) {
  std::vector<const CorpusObject*> targets;
  for (const CorpusObject& object : objects) {
    if (changed.contains(object.file)) targets.push_back(&object);
  }
  if (targets.empty()) return;
  const auto run = virtplan::test::run_virtplan("apply --auto-approve --parallelism 4 -f " +
                                                shell_quote(dir.string()) + target_args(targets, host));
  if (run.status == 0) return;
  for (CorpusObject& object : objects) {
    if (std::find(targets.begin(), targets.end(), &object) == targets.end()) continue;
    const std::string lines = plan_lines_of(run.output, object.address(host));
    if (virtplan::lab::has(lines, "fail") || virtplan::lab::has(lines, "error") ||
        virtplan::lab::has(lines, "skipped")) {
      object.apply_error = lines;
    }
  }
  INFO(run.output);
  CHECK(std::any_of(objects.begin(), objects.end(),
                    [](const CorpusObject& o) { return !o.apply_error.empty(); }));
}

// ---- the table -----------------------------------------------------------------

std::string table_cell(std::string text) {
  std::replace(text.begin(), text.end(), '|', '/');
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return text;
}

std::string corpus_outcome(const CorpusObject& object) {
  if (!object.defined) return "not defined";
  if (!object.imported) return "refused: " + object.refused;
  if (!object.rejected.empty()) return "YAML rejected: " + object.rejected;
  if (!object.plan_change.empty()) return "plan not empty: " + object.plan_change;
  if (!object.apply_error.empty()) return "apply failed: " + object.apply_error;
  return "imported, plan empty";
}

std::string render_corpus_table(const std::vector<CorpusObject>& objects) {
  std::map<std::string, std::array<int, 6>> by_kind;  // objects, imported, refused, plan empty, lost, known
  for (const CorpusObject& object : objects) {
    auto& row = by_kind[std::string(object.kind->folder)];
    ++row[0];
    row[1] += object.imported;
    row[2] += object.defined && !object.imported;
    row[3] += plan_empty(object);
    row[4] += static_cast<int>(object.lost.size());
    row[5] += object.known.has_value();
  }
  std::string table =
      "| kind | objects | imported | refused with reason | plan empty | elements lost | known failures |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n";
  std::array<int, 6> total{};
  for (const auto& [kind, row] : by_kind) {
    table += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", kind, row[0], row[1], row[2], row[3],
                         row[4], row[5]);
    for (std::size_t i = 0; i < row.size(); ++i) total[i] += row[i];
  }
  table += fmt::format("| all | {} | {} | {} | {} | {} | {} |\n\n", total[0], total[1], total[2], total[3],
                       total[4], total[5]);
  table += "| file | outcome | change applied | elements lost | known |\n| --- | --- | --- | --- | --- |\n";
  for (const CorpusObject& object : objects) {
    std::string lost =
        object.lost.empty() ? "0" : fmt::format("{}: {}", object.lost.size(), object.lost.front());
    const std::string known = object.known ? std::string(defect_text(*object.known).tag) : "";
    table += fmt::format("| {} | {} | {} | {} | {} |\n", object.file, table_cell(corpus_outcome(object)),
                         table_cell(object.change), table_cell(lost), known);
  }
  if (k_corpus_known_failures.empty()) {
    table += "\nKnown failures: none (k_corpus_known_failures is empty).\n";
    return table;
  }
  table += "\nKnown failures (fixed elsewhere; a line of k_corpus_known_failures each):\n\n";
  for (const CorpusDefectText& defect : k_corpus_defects)
    table += fmt::format("- {} {}\n", defect.tag, defect.what);
  return table;
}

std::string corpus_table_path() {
  const char* path = std::getenv("VIRTPLAN_CORPUS_TABLE");
  return path && *path ? path : VIRTPLAN_CORPUS_TABLE;
}

}  // namespace

TEST_CASE("corpus: real-world libvirt XML imports and plans empty and an apply keeps every element") {
  const LabEnv env = virtplan::lab::require_lab(1);
  const std::string host = env.hosts[0].name;
  const auto started = std::chrono::steady_clock::now();
  std::vector<CorpusObject> objects = load_corpus();
  REQUIRE(objects.size() >= 100);

  remove_corpus_objects(env);
  const fs::path dir = virtplan::lab::HandMade::stack_dir(env, k_corpus_stack);
  const fs::path out = dir.string() + "-out";
  fs::remove_all(out);
  fs::create_directories(out);
  struct Cleanup {
    const LabEnv& env;
    fs::path dir, out;
    ~Cleanup() {
      remove_corpus_objects(env);
      fs::remove_all(dir);
      fs::remove_all(out);
    }
  } cleanup{env, dir, out};

  // define: the corpus holds only what libvirt 9.0 accepts
  const auto define_failures = define_corpus(env, objects);
  for (const auto& [file, said] : define_failures) FAIL_CHECK(file << ": libvirt refused it: " << said);
  const auto as_defined = dump_corpus(env, objects);

  // import, validate, plan
  const std::string yaml = import_corpus(env, dir, objects);
  write_object_files(dir, yaml, objects);
  validate_until_clean(dir, out, objects);
  plan_corpus(dir, host, objects);
  const auto as_imported = dump_corpus(env, objects);
  record_losses(objects, as_defined, as_imported, "import", {});

  // apply one change per object, then a network redefine
  const auto changed_first = first_changes(dir, objects);
  apply_changes(dir, host, objects, changed_first);
  const auto after_first = dump_corpus(env, objects);
  record_losses(objects, as_imported, after_first, "apply", changed_first);
  const auto changed_second = second_changes(dir, objects);
  apply_changes(dir, host, objects, changed_second);
  const auto after_second = dump_corpus(env, objects);
  record_losses(objects, after_first, after_second, "redefine", changed_second);

  const std::string table = render_corpus_table(objects);
  std::cout
      << "\nCorpus import on " << host << " in "
      << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()
      << " s:\n\n"
      << table << std::endl;
  std::ofstream(corpus_table_path()) << table;

  for (const CorpusObject& object : objects) {
    if (object.known || !object.failed()) continue;
    std::string lost;
    for (const std::string& fact : object.lost) lost += "\n  lost " + fact;
    FAIL_CHECK(object.file << " (" << object.address(host) << "): " << corpus_outcome(object) << lost);
  }
  for (const CorpusObject& object : objects) {
    if (!object.defined || object.imported) continue;
    CHECK_FALSE(object.refused.empty());  // refused, naming why
  }
  // A known failure that no longer fails: its line must go (the defect is
  // fixed, and the object has to count again).
  for (const CorpusObject& object : objects) {
    if (!object.known || object.failed()) continue;
    FAIL_CHECK(object.file << " is listed in k_corpus_known_failures as " << defect_text(*object.known).tag
                           << " but no longer fails: remove its line");
  }
}
