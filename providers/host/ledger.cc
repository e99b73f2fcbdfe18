#include "providers/host/ledger.h"

#include "providers/base/plain_text.h"
#include "providers/base/random_nonce.h"
#include "providers/host/host_permission.h"
#include "providers/host/host_script.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>

namespace virtplan::providers {

using nlohmann::json;

namespace {

// 2: a volume's key names its pool ("volume.POOL/NAME"). 1 (read, never
// written): volumes keyed by name alone, read as legacy entries.
constexpr std::string_view k_format_version = "2";
constexpr std::string_view k_legacy_format_version = "1";

// Each script is a constant: paths and sizes reach it as positional
// arguments ($1, $2), so nothing user-named is ever part of shell code.

// Prints the ledger, or nothing when there is none yet; fails when one
// exists but cannot be read.
// A directory or ledger this user may not read is an error saying what to
// run (vp_state_dir, host_permission.h), never taken for "no ledger yet".
constexpr std::string_view k_read_script =
    R"sh(vp_state_dir "${1%/*}" read; vp_state_file "$1" read; if [ -e "$1" ]; then cat -- "$1"; fi)sh";

// Writes stdin to a temporary file beside the ledger, refuses it unless it
// holds exactly $2 bytes (a writer killed mid-stream sends less), then renames
// it into place: readers see the old ledger or the new one, never a part.
// However the script ends (a full disk fails `dd`, `set -e` exits), the
// trap removes the temporary file; after the rename it names nothing, and
// the trap starts no `rm`.
// Few processes: an apply saves every second or so, beside libvirtd's work,
// and a process costs milliseconds of the host's CPU. `dd` both writes the
// file and fsyncs it (it was `cat` and `sync`); it appends, as `>>` did, to
// the file sh made. The temporary file is
// "$1.$3", $3 random from the client, made by sh itself (no mktemp): `set -C`
// creates it exclusively (O_EXCL: never through a link, never someone
// else's file), under a umask that gives it its mode (no chmod).
constexpr std::string_view k_write_script =
    R"sh(set -e; umask 007; vp_state_dir "${1%/*}" write; t=$1.$3; )sh"
    R"sh(set -C; : > "$t"; set +C; trap '[ ! -e "$t" ] || rm -f -- "$t"' EXIT; )sh"
    R"sh(dd of="$t" bs=65536 oflag=append conv=notrunc,fsync status=none; )sh"
    R"sh(n=$(wc -c < "$t"); if [ "$n" -ne "$2" ]; then )sh"
    R"sh(echo "ledger write truncated: got $n of $2 bytes" >&2; exit 1; fi; )sh"
    R"sh(mv -f -- "$t" "$1")sh";

std::string_view state_name(LedgerState state) {
  return state == LedgerState::created ? "created" : "intent";
}

Result<LedgerEntry> entry_from_json(const std::string& key, const json& j) {
  const auto dot = key.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
    return fail(ErrorCode::invalid, fmt::format("entry '{}' is not KIND.NAME", key));
  }
  const std::string state = j.at("state").get<std::string>();
  if (state != "intent" && state != "created") {
    return fail(ErrorCode::invalid, fmt::format("entry '{}' has unknown state '{}'", key, state));
  }
  // "volume.POOL/NAME": names never hold '/'.
  auto named = split_pool_name(std::string_view(key).substr(dot + 1));
  if (!named) {
    return fail(ErrorCode::invalid, fmt::format("entry '{}' is not KIND.NAME or KIND.POOL/NAME", key));
  }
  return LedgerEntry{key.substr(0, dot), std::move(named->name),
                     state == "created" ? LedgerState::created : LedgerState::intent,
                     j.value("data", json::object()), std::move(named->pool)};
}

// The stack name becomes a file name: the loader's name rule already keeps
// '/' and a leading '.' out; this guards any other caller.
Result<void> check_ledger_stack_name(std::string_view stack) {
  if (stack.empty() || stack.front() == '.' || stack.find('/') != std::string_view::npos) {
    return fail(ErrorCode::invalid, fmt::format("'{}' cannot name a ledger file", stack));
  }
  return {};
}

}  // namespace

Ledger::Ledger(std::string stack) : m_stack(std::move(stack)) {}

std::string Ledger::path(std::string_view stack, std::string_view dir) {
  return fmt::format("{}/{}.json", dir, stack);
}

Result<Ledger> Ledger::parse(std::string_view stack, std::string_view text) {
  Ledger ledger{std::string(stack)};
  if (text.empty()) return ledger;
  const std::string context = fmt::format("ledger of stack '{}'", stack);
  try {
    const json doc = json::parse(text);
    const std::string version = doc.at("format_version").get<std::string>();
    if (version != k_format_version && version != k_legacy_format_version) {
      return fail(ErrorCode::invalid,
                  fmt::format("{}: format version {} is not supported", context, version));
    }
    if (doc.at("stack").get<std::string>() != stack) {
      return fail(ErrorCode::invalid, fmt::format("{}: the file belongs to stack '{}'", context,
                                                  doc.at("stack").get<std::string>()));
    }
    for (const auto& item : doc.at("objects").items()) {
      auto entry = entry_from_json(item.key(), item.value());
      if (!entry) return fail(entry.error().with_context(context));
      ledger.m_entries[key_of(entry->id(""))] = std::move(*entry);
    }
  } catch (const json::exception& e) {
    return fail(ErrorCode::invalid, fmt::format("{}: not a valid ledger: {}", context, e.what()));
  }
  return ledger;
}

std::string Ledger::serialize() const {
  json objects = json::object();
  for (const auto& [key, e] : m_entries) {
    objects[e.key()] = json{{"state", state_name(e.state)}, {"data", e.data}};
  }
  const json doc{{"format_version", k_format_version}, {"stack", m_stack}, {"objects", objects}};
  return doc.dump(2) + "\n";
}

Result<Ledger> Ledger::load(Transport& transport, std::string_view stack, Become become,
                            std::string_view dir) {
  if (auto ok = check_ledger_stack_name(stack); !ok) return fail(ok.error());
  const std::string file = path(stack, dir);
  Command command{
      host_script_argv(become, with_state_dir_functions(k_read_script), "virtplan-ledger", {file}),
      std::nullopt, std::chrono::seconds(60)};
  auto out = transport.run(command);
  if (!out) return fail(out.error().with_context(transport.host_name() + ": reading " + file));
  if (out->exit_status != 0) {
    return fail(ErrorCode::other,
                fmt::format("{}: reading {} failed: {}", transport.host_name(), file, trimmed(out->err)));
  }
  auto ledger = parse(stack, out->out);
  if (!ledger) return fail(ledger.error().with_context(transport.host_name() + ": " + file));
  return ledger;
}

Result<void> Ledger::save(Transport& transport, Become become, std::string_view dir) const {
  if (auto ok = check_ledger_stack_name(m_stack); !ok) return fail(ok.error());
  const std::string file = path(m_stack, dir);
  std::string text = serialize();
  const std::string size = std::to_string(text.size());
  Command command{host_script_argv(become, with_state_dir_functions(k_write_script), "virtplan-ledger",
                                   {file, size, "tmp" + random_nonce(16)}),
                  std::move(text), std::chrono::seconds(60)};
  auto out = transport.run(command);
  if (!out) return fail(out.error().with_context(transport.host_name() + ": writing " + file));
  if (out->exit_status != 0) {
    return fail(ErrorCode::other,
                fmt::format("{}: writing {} failed: {}", transport.host_name(), file, trimmed(out->err)));
  }
  return {};
}

void Ledger::record_intent(const ObjectId& id) {
  // An object already created stays created: intent only ever adds ownership.
  // A legacy entry of the volume moves to its pool's key as it is (created,
  // with its data: `protect` must not be lost if the create never ends).
  LedgerEntry entry{id.kind, id.name, LedgerState::intent, json::object(), id.pool};
  if (auto legacy = m_entries.find(Key{id.kind, "", id.name});
      !id.pool.empty() && legacy != m_entries.end()) {
    entry.state = legacy->second.state;
    entry.data = legacy->second.data;
  }
  m_entries.try_emplace(key_of(id), std::move(entry));
  drop_legacy(id);
}

void Ledger::mark_created(const ObjectId& id, json data) {
  m_entries[key_of(id)] = LedgerEntry{id.kind, id.name, LedgerState::created, std::move(data), id.pool};
  drop_legacy(id);
}

void Ledger::forget(const ObjectId& id) {
  m_entries.erase(key_of(id));
  drop_legacy(id);
}

void Ledger::drop_legacy(const ObjectId& id) {
  if (!id.pool.empty()) m_entries.erase(Key{id.kind, "", id.name});
}

std::optional<LedgerEntry> Ledger::find(const ObjectId& id) const {
  auto it = m_entries.find(key_of(id));
  if (it == m_entries.end()) return std::nullopt;
  return it->second;
}

bool Ledger::owns(const ObjectId& id) const { return find(id).has_value(); }

void Ledger::record_intent(const std::string& kind, const std::string& name) {
  record_intent(ObjectId{kind, name, "", ""});
}

void Ledger::mark_created(const std::string& kind, const std::string& name, json data) {
  mark_created(ObjectId{kind, name, "", ""}, std::move(data));
}

void Ledger::forget(const std::string& kind, const std::string& name) {
  forget(ObjectId{kind, name, "", ""});
}

std::optional<LedgerEntry> Ledger::find(std::string_view kind, std::string_view name) const {
  return find(ObjectId{std::string(kind), std::string(name), "", ""});
}

bool Ledger::owns(std::string_view kind, std::string_view name) const { return find(kind, name).has_value(); }

std::vector<LedgerEntry> Ledger::entries() const {
  std::vector<LedgerEntry> out;
  for (const auto& [key, e] : m_entries) out.push_back(e);
  return out;
}

}  // namespace virtplan::providers
