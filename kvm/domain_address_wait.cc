#include "kvm/domain_address_wait.h"

#include "providers/base/mac_address.h"
#include "providers/base/plain_text.h"
#include "providers/virsh/domifaddr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

namespace virtplan::kvm {
namespace {

using providers::ErrorCode;
using providers::Result;
using providers::VirshRunner;

using providers::lines_of;
using providers::lowercase;
using providers::words_of;

bool is_mac(const std::string& word) { return providers::MacAddress::parse(word).has_value(); }

// "192.168.1.5/24" -> "192.168.1.5"; nullopt for what a guest cannot be
// reached at (loopback, link-local) or what is not an address.
std::optional<std::string> usable_ipv4(const std::string& with_prefix) {
  std::string ip = with_prefix.substr(0, with_prefix.find('/'));
  if (std::count(ip.begin(), ip.end(), '.') != 3) return std::nullopt;
  if (ip.starts_with("127.") || ip.starts_with("169.254.") || ip == "0.0.0.0") return std::nullopt;
  return ip;
}

struct Nic {
  std::string mac;
  std::optional<std::string> network;  // for type "network"
};

// `domiflist -q`: "vnet0  network  default  virtio  52:54:00:..." (the
// interface is "-" while the domain is off).
std::vector<Nic> parse_domiflist(const std::string& text) {
  std::vector<Nic> nics;
  for (std::string_view line : lines_of(text)) {
    auto w = words_of(line);
    if (w.size() < 5 || !is_mac(w.back())) continue;
    Nic nic{lowercase(w.back()), std::nullopt};
    if (w[1] == "network") nic.network = w[2];
    nics.push_back(nic);
  }
  return nics;
}

// `net-dhcp-leases -q`: "2026-11-26 02:37:14  52:54:00:aa:00:01  ipv4  192.168.1.5/24  host  id";
// the expiry is the words before the MAC.
void parse_leases(const std::string& text, const std::set<std::string>& macs, std::vector<DhcpLease>& out) {
  for (std::string_view line : lines_of(text)) {
    auto w = words_of(line);
    auto mac = std::find_if(w.begin(), w.end(), is_mac);
    if (mac == w.end() || std::distance(mac, w.end()) < 3 || !macs.contains(lowercase(*mac))) continue;
    if (*(mac + 1) != "ipv4") continue;
    std::string expiry;
    for (auto word = w.begin(); word != mac; ++word) expiry += (expiry.empty() ? "" : " ") + *word;
    if (auto ip = usable_ipv4(*(mac + 2))) out.push_back({lowercase(*mac), *ip, expiry});
  }
}

// `domifaddr -q` (providers/virsh/domifaddr.h): the usable IPv4 addresses of real
// NICs (not the guest agent's loopback, whose MAC is all zeros).
void read_domifaddr(const std::string& text, const std::string& source, std::vector<DomainAddress>& out) {
  for (const auto& row : providers::parse_domifaddr(text)) {
    if (row.mac.empty() || row.mac == "00:00:00:00:00:00" || row.protocol != "ipv4") continue;
    if (auto ip = usable_ipv4(row.address)) out.push_back({row.mac, *ip, source});
  }
}

// The leases of `nics`' MACs, each with its network; the last lease query
// that failed goes to `soft_error`.
std::vector<std::pair<DhcpLease, std::string>> read_leases(const VirshRunner& virsh,
                                                           const std::vector<Nic>& nics,
                                                           std::optional<providers::Error>& soft_error) {
  std::set<std::string> macs;
  std::set<std::string> networks;
  for (const auto& nic : nics) {
    macs.insert(nic.mac);
    if (nic.network) networks.insert(*nic.network);
  }
  std::vector<std::pair<DhcpLease, std::string>> found;
  for (const auto& network : networks) {
    auto listed = virsh.run({"net-dhcp-leases", "--network", network});
    if (!listed) {
      soft_error = listed.error();
      continue;
    }
    std::vector<DhcpLease> leases;
    parse_leases(*listed, macs, leases);
    for (auto& lease : leases) found.emplace_back(std::move(lease), network);
  }
  return found;
}

Result<std::vector<Nic>> read_nics(const VirshRunner& virsh, const std::string& name) {
  auto iflist = virsh.run({"domiflist", "--domain", name});
  if (!iflist) return providers::fail(iflist.error());
  return parse_domiflist(*iflist);
}

// An infinite lease: its expiry is 0, which virsh prints as the epoch in the
// host's time zone.
bool never_expires(const DhcpLease& lease) {
  return lease.expiry.starts_with("1970-01-01") || lease.expiry.starts_with("1969-12-31");
}

// Whether `lease` is one of `earlier`, and can be told from one granted again.
bool stale(const DhcpLease& lease, const std::vector<DhcpLease>& earlier) {
  return !never_expires(lease) && std::find(earlier.begin(), earlier.end(), lease) != earlier.end();
}

struct Round {
  bool running = false;
  std::string state;
  std::vector<Nic> nics;
  std::vector<DomainAddress> addresses;
  std::optional<providers::Error> soft_error;  // a lease query that failed
};

// One look at the domain; the `earlier` leases (and domifaddr's leases of
// the same MAC and address) are not counted.
Result<Round> poll(const VirshRunner& virsh, const std::string& name, const std::vector<DhcpLease>& earlier) {
  Round round;
  auto state = virsh.run({"domstate", "--domain", name});
  if (!state) return providers::fail(state.error());
  round.state = words_of(*state).empty() ? "" : state->substr(0, state->find('\n'));
  round.running = round.state == "running";
  if (!round.running) return round;
  auto nics = read_nics(virsh, name);
  if (!nics) return providers::fail(nics.error());
  round.nics = std::move(*nics);
  for (const auto& [lease, network] : read_leases(virsh, round.nics, round.soft_error)) {
    if (stale(lease, earlier)) continue;
    round.addresses.push_back({lease.mac, lease.ip, "network " + network});
  }
  if (round.addresses.empty()) {
    auto lease = virsh.run({"domifaddr", "--domain", name, "--source", "lease"});
    std::vector<DomainAddress> leased;
    if (lease) read_domifaddr(*lease, "lease", leased);
    std::erase_if(leased, [&earlier](const DomainAddress& address) {
      return std::any_of(earlier.begin(), earlier.end(), [&address](const DhcpLease& old) {
        return !never_expires(old) && old.mac == address.mac && old.ip == address.ip;
      });
    });
    round.addresses = std::move(leased);
  }
  if (round.addresses.empty()) {
    // Fails unless the guest runs qemu-guest-agent: expected, not an error.
    auto agent = virsh.run({"domifaddr", "--domain", name, "--source", "agent"});
    if (agent) read_domifaddr(*agent, "agent", round.addresses);
  }
  std::sort(round.addresses.begin(), round.addresses.end(), [](const auto& a, const auto& b) {
    return std::tie(a.mac, a.ip, a.source) < std::tie(b.mac, b.ip, b.source);
  });
  round.addresses.erase(
      std::unique(round.addresses.begin(), round.addresses.end(),
                  [](const auto& a, const auto& b) { return a.mac == b.mac && a.ip == b.ip; }),
      round.addresses.end());
  return round;
}

std::string watched(const Round& round) {
  std::vector<std::string> networks;
  for (const auto& nic : round.nics) {
    if (nic.network && std::find(networks.begin(), networks.end(), *nic.network) == networks.end()) {
      networks.push_back(*nic.network);
    }
  }
  std::string what = networks.empty()
                         ? std::string("domifaddr")
                         : fmt::format("the DHCP leases of network {}", fmt::join(networks, ", "));
  return what + " and the guest agent";
}

}  // namespace

Result<std::vector<DhcpLease>> dhcp_leases(const VirshRunner& virsh, const std::string& name) {
  auto nics = read_nics(virsh, name);
  if (!nics) return providers::fail(nics.error());
  std::optional<providers::Error> ignored;  // a network that is not active holds no leases
  std::vector<DhcpLease> leases;
  for (auto& [lease, network] : read_leases(virsh, *nics, ignored)) leases.push_back(std::move(lease));
  std::sort(leases.begin(), leases.end());
  return leases;
}

Result<std::vector<DomainAddress>> domain_addresses(const VirshRunner& virsh, const std::string& name) {
  auto round = poll(virsh, name, {});
  if (!round) return providers::fail(round.error());
  return round->addresses;
}

Result<std::vector<DomainAddress>> wait_for_address(const VirshRunner& virsh, const std::string& name,
                                                    const std::string& address,
                                                    const AddressWaitOptions& options) {
  std::function<void(std::chrono::milliseconds)> sleep = options.sleep;
  if (!sleep) sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  const auto start = options.now();
  const auto deadline = start + options.timeout;
  for (;;) {
    auto round = poll(virsh, name, options.earlier_leases);
    if (!round) {
      return providers::fail(round.error().with_context(address + ": waiting for an IP address"));
    }
    if (!round->running) {
      return providers::fail(ErrorCode::invalid,
                             fmt::format("{}: waiting for an IP address: the domain is {}, not running; "
                                         "it will not get one",
                                         address, round->state.empty() ? "in no known state" : round->state));
    }
    if (!round->addresses.empty()) return round->addresses;
    if (round->nics.empty()) {
      return providers::fail(
          ErrorCode::invalid,
          fmt::format("{}: waiting for an IP address: the domain has no network interface", address));
    }
    if (options.now() >= deadline) {
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
      std::string message = fmt::format(
          "{}: no IP address after {} s (watched {}); the guest may not have "
          "booted, or does not ask for DHCP; the domain was left running",
          address, seconds, watched(*round));
      if (!options.earlier_leases.empty()) {
        std::vector<std::string> old;
        for (const DhcpLease& lease : options.earlier_leases)
          old.push_back(lease.ip + " until " + lease.expiry);
        message += fmt::format(" (leases from before the start do not count: {})", fmt::join(old, ", "));
      }
      if (round->soft_error) message += fmt::format(" (last lease query: {})", round->soft_error->message());
      return providers::fail(ErrorCode::timeout, message);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - options.now());
    sleep(std::max(std::chrono::milliseconds(0), std::min(options.interval, left)));
  }
}

}  // namespace virtplan::kvm
