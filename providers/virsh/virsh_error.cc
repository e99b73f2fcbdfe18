#include "providers/virsh/virsh_error.h"

#include "providers/base/plain_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace virtplan::providers {
namespace {

constexpr std::string_view k_error_prefix = "error: ";

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Checked in this order: the first that matches wins. A failed start naming a
// missing network is not_found, not invalid. A broken connection comes first:
// virsh reports a lookup over a dead connection as "failed to get ..." too,
// and taking that for "not there" would let a destroy call an object gone
// that is still defined.
//
// Networks, pools and volumes: virsh prints libvirt's own error after its
// "failed to get network 'n'" ("Network not found: ..."), so absence is read
// from that. Domains: virsh resets libvirt's error after trying the name as
// an id, a UUID and a name, so "failed to get domain 'd'" is all it says,
// whether the domain is gone or the connection broke; VirshRunner confirms
// it with a listing (bare_domain_lookup_failure).
const std::array<std::pair<std::string_view, ErrorCode>, 20> k_codes = {{
    {"failed to connect to the hypervisor", ErrorCode::unreachable},
    {"failed to reconnect to the hypervisor", ErrorCode::unreachable},
    {"failed to connect socket", ErrorCode::unreachable},
    {"end of file while reading data", ErrorCode::unreachable},
    {"cannot recv data", ErrorCode::unreachable},
    {"cannot write data", ErrorCode::unreachable},
    {"client socket is closed", ErrorCode::unreachable},
    {"disconnected from", ErrorCode::unreachable},
    {"no connection to driver", ErrorCode::unreachable},
    {"already exists", ErrorCode::already_exists},
    {"failed to get domain", ErrorCode::not_found},
    {"domain not found", ErrorCode::not_found},
    {"network not found", ErrorCode::not_found},
    {"storage pool not found", ErrorCode::not_found},
    {"storage volume not found", ErrorCode::not_found},
    {"no domain with matching name", ErrorCode::not_found},
    {"xml error", ErrorCode::invalid},
    {"invalid argument", ErrorCode::invalid},
    {"unsupported configuration", ErrorCode::invalid},
    {"_definition):", ErrorCode::invalid},
}};

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string text;
  for (const auto& part : parts) {
    if (!text.empty()) {
      text += separator;
    }
    text += part;
  }
  return text;
}

}  // namespace

std::vector<std::string> virsh_error_lines(std::string_view err) {
  std::vector<std::string> found;
  for (auto line : lines_of(err)) {
    if (line.starts_with(k_error_prefix)) {
      auto text = trimmed(line.substr(k_error_prefix.size()));
      if (!text.empty()) {
        found.emplace_back(text);
      }
    }
  }
  return found;
}

ErrorCode classify_virsh_message(std::string_view message) {
  std::string text = lowercase(message);
  for (const auto& [needle, code] : k_codes) {
    if (contains(text, needle)) {
      return code;
    }
  }
  if (contains(text, "internal error") && contains(text, "xml")) {
    return ErrorCode::invalid;
  }
  return ErrorCode::other;
}

std::optional<std::string> bare_domain_lookup_failure(const Error& error) {
  if (error.code() != ErrorCode::not_found) return std::nullopt;
  constexpr std::string_view k_lookup = "failed to get domain '";
  const std::string& message = error.message();
  const auto start = message.rfind(k_lookup);
  // Anything after the name (libvirt's "Domain not found: ...") settles it.
  if (start == std::string::npos || !message.ends_with('\'')) return std::nullopt;
  const auto name_start = start + k_lookup.size();
  if (message.size() < name_start + 1) return std::nullopt;
  std::string name = message.substr(name_start, message.size() - 1 - name_start);
  if (name.find("': ") != std::string::npos) return std::nullopt;  // more error lines followed
  return name;
}

Error virsh_error(std::string_view context, std::string_view err, int exit_status) {
  std::string message = joined(virsh_error_lines(err), ": ");
  if (message.empty()) {
    std::vector<std::string> lines;
    for (auto line : lines_of(err)) {
      if (!trimmed(line).empty()) {
        lines.emplace_back(trimmed(line));
      }
    }
    message = lines.empty() ? fmt::format("exited with status {}", exit_status) : joined(lines, "; ");
  }
  return Error(classify_virsh_message(message), fmt::format("{}: {}", context, message));
}

}  // namespace virtplan::providers
