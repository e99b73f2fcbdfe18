#pragma once

// NftTable is an nft table of a test's own inside a lab host's network
// namespace, with one chain and one rule, deleted at the end of the scope:
// a firewall that drops (the silence of a dead network, without resets), or
// a redirect. drop_input() is the common case.

#include "tests/lab/lab_env.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

namespace virtplan::lab {

class NftTable {
public:
  // family: "inet" or "ip"; hook: the chain's definition, such as
  // "type filter hook input priority 0;"; rule: "tcp dport 22 drop".
  NftTable(const LabEnv& env, std::size_t host, const std::string& family, const std::string& hook,
           const std::string& rule)
      : m_env(env), m_host(host), m_family(family), m_table(fmt::format("vptest{}", getpid())) {
    env.run_in(host, fmt::format("nft add table {0} {1} && nft add chain {0} {1} c '{{ {2} }}' && "
                                 "nft add rule {0} {1} c {3}",
                                 family, m_table, hook, rule));
  }
  ~NftTable() {
    try {
      m_env.run_in(m_host, fmt::format("nft delete table {} {}", m_family, m_table));
    } catch (const std::exception& error) {
      WARN(error.what());
    }
  }
  NftTable(const NftTable&) = delete;
  NftTable& operator=(const NftTable&) = delete;

private:
  const LabEnv& m_env;
  std::size_t m_host;
  std::string m_family;
  std::string m_table;
};

// Drops what `match` (such as "tcp dport 22") matches on the host's input.
class NftDrop : public NftTable {
public:
  NftDrop(const LabEnv& env, std::size_t host, const std::string& match)
      : NftTable(env, host, "inet", "type filter hook input priority 0;", match + " drop") {}
};

}  // namespace virtplan::lab
