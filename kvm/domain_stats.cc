#include "kvm/domain_stats.h"

#include <charconv>
#include <sstream>

namespace virtplan::kvm {

namespace {

std::optional<std::uint64_t> number(const std::map<std::string, std::string>& values,
                                    const std::string& key) {
  auto found = values.find(key);
  if (found == values.end()) return std::nullopt;
  std::uint64_t value = 0;
  const std::string& text = found->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> kib_to_bytes(std::optional<std::uint64_t> kib) {
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

std::string text(const std::map<std::string, std::string>& values, const std::string& key) {
  auto found = values.find(key);
  return found == values.end() ? std::string() : found->second;
}

}  // namespace

DomainStats::Metrics DomainStats::metrics() const {
  Metrics out;
  if (auto state = number(values, "state.state")) out.state = static_cast<int>(*state);
  if (auto ns = number(values, "cpu.time")) out.cpu_time_seconds = static_cast<double>(*ns) / 1e9;
  out.vcpus = number(values, "vcpu.current");
  out.balloon_current_bytes = kib_to_bytes(number(values, "balloon.current"));
  out.balloon_maximum_bytes = kib_to_bytes(number(values, "balloon.maximum"));
  const std::uint64_t nets = number(values, "net.count").value_or(0);
  for (std::uint64_t i = 0; i < nets; ++i) {
    const std::string prefix = "net." + std::to_string(i) + ".";
    out.interfaces.push_back(Interface{text(values, prefix + "name"), number(values, prefix + "rx.bytes"),
                                       number(values, prefix + "tx.bytes")});
  }
  const std::uint64_t blocks = number(values, "block.count").value_or(0);
  for (std::uint64_t i = 0; i < blocks; ++i) {
    const std::string prefix = "block." + std::to_string(i) + ".";
    out.disks.push_back(Disk{text(values, prefix + "name"), number(values, prefix + "rd.bytes"),
                             number(values, prefix + "wr.bytes")});
  }
  return out;
}

std::vector<DomainStats> parse_domstats(std::string_view output) {
  static constexpr std::string_view k_header = "Domain: '";
  std::vector<DomainStats> out;
  std::istringstream lines{std::string(output)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(k_header) && line.size() > k_header.size() && line.back() == '\'') {
      out.push_back(DomainStats{line.substr(k_header.size(), line.size() - k_header.size() - 1), {}});
      continue;
    }
    const auto first = line.find_first_not_of(' ');
    const auto eq = line.find('=');
    // A key=value line before any domain header belongs to nothing.
    if (out.empty() || first == std::string::npos || eq == std::string::npos || eq < first) continue;
    out.back().values[line.substr(first, eq - first)] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace virtplan::kvm
