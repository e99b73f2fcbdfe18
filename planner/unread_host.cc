#include "planner/unread_host.h"

#include "providers/base/printable_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace virtplan::planner {

using providers::ErrorCode;

std::string_view unread_wording(const providers::Error& why) {
  switch (why.code()) {
    case ErrorCode::unreachable:
    // A host that is down mostly shows as a connect timeout. A virsh command
    // that timed out on a reached host has this code too; its message
    // ("timed out after ...") tells the two apart.
    case ErrorCode::timeout:
    case ErrorCode::host_key_unknown:
    case ErrorCode::host_key_changed:
    case ErrorCode::auth_failed:
    case ErrorCode::transport:
      return "could not be reached";
    case ErrorCode::locked:
      return "is locked";
    case ErrorCode::other:
    case ErrorCode::invalid:
    case ErrorCode::not_found:
    case ErrorCode::already_exists:
    case ErrorCode::stale:
      return "could not be read";
  }
  return "could not be read";
}

// The message quotes the host (ssh, libvirt): escaped, so it stays one line.
std::string unread_line(const std::string& host, const providers::Error& why) {
  return providers::printable_text(fmt::format("{}: {}: {}", host, unread_wording(why), why.message()));
}

std::string unread_summary(const std::string& host, const providers::Error& why, std::string_view outcome,
                           const std::map<std::string, std::vector<std::string>>& objects) {
  return providers::printable_text(fmt::format("{}: {}, {}{}: {}", host, unread_wording(why), outcome,
                                               listed_objects(objects, host), why.message()));
}

std::map<std::string, std::string> unread_messages(const std::map<std::string, providers::Error>& unread) {
  std::map<std::string, std::string> messages;
  for (const auto& [host, why] : unread) messages.emplace(host, why.message());
  return messages;
}

std::map<std::string, std::vector<std::string>> unread_objects(
    const std::vector<providers::StackObject>& declared,
    const std::map<std::string, providers::Error>& unread) {
  std::map<std::string, std::vector<std::string>> objects;
  for (const auto& object : declared) {
    if (unread.contains(object.id.host)) objects[object.id.host].push_back(object.id.address());
  }
  for (auto& [host, addresses] : objects) std::sort(addresses.begin(), addresses.end());
  return objects;
}

std::string listed_objects(const std::map<std::string, std::vector<std::string>>& objects,
                           const std::string& host) {
  auto found = objects.find(host);
  if (found == objects.end() || found->second.empty()) return {};
  return fmt::format(" ({})", fmt::join(found->second, ", "));
}

bool no_host_read(std::size_t hosts, const std::map<std::string, providers::Error>& unread) {
  return hosts > 0 && unread.size() >= hosts;
}

}  // namespace virtplan::planner
