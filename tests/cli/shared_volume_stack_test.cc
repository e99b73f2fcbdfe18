// A volume declared on two hosts in a pool that is one storage seen from
// both (`shared: true` on both, or one NFS export) is two stack objects for
// one file: each host's ledger would own it and either host's destroy would
// delete it. validate refuses it at the volume's `pool:`, naming both hosts
// and what to do; the same name in a pool each host has for itself is two
// files, and stays allowed.

#include "cli/kinds.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using virtplan::providers::Diagnostics;

const std::string k_hosts = "stack: demo\nhosts:\n  h1: {address: local}\n  h2: {address: ssh://root@h2}\n";

std::vector<std::string> errors_of(const std::string& text) {
  Diagnostics diags;
  virtplan::planner::StackLoader(virtplan::cli::kinds()).load({{"s.yaml", text}}, diags);
  std::vector<std::string> out;
  for (const auto& d : diags.sorted()) out.push_back(d.str());
  return out;
}

}  // namespace

TEST_CASE("one volume declared on two hosts in a shared pool is refused at its pool, naming both hosts") {
  const auto errors = errors_of(k_hosts +
                                "pools:\n  p: {hosts: all, type: dir, path: /srv/cluster/p, shared: true}\n"
                                "volumes:\n  v:\n    hosts: [h1, h2]\n    pool: p\n    capacity: 1GiB\n");
  REQUIRE(errors.size() == 1);
  CHECK(
      errors[0].starts_with("s.yaml:10:11: volume.v@h2: volume v is declared on h1 and on h2, in pool p, "
                            "which is one storage seen from both"));
  CHECK(errors[0].find("Declare it on one host (host: h1)") != std::string::npos);
}

TEST_CASE("one volume declared on two hosts in one NFS export is refused, as shared by nature") {
  const auto errors = errors_of(k_hosts +
                                "pools:\n  n: {hosts: all, type: netfs, path: /mnt/n,"
                                " source: {host: nas, dir: /export}}\n"
                                "volumes:\n  v: {hosts: all, pool: n, capacity: 1GiB}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("volume.v@h2: volume v is declared on h1 and on h2, in pool n") != std::string::npos);
}

TEST_CASE("one volume name on two hosts in pools each host has for itself is two volumes, allowed") {
  CHECK(errors_of(k_hosts + "pools:\n  p: {hosts: all, type: dir, path: /var/lib/virtplan/p}\n"
                            "volumes:\n  v: {hosts: all, pool: p, capacity: 1GiB}\n")
            .empty());
}

TEST_CASE("a volume moving between hosts of a shared pool is declared once, on its new host: valid") {
  // What a migration through the shared pool looks like in the stack: the
  // volume and its domain name the new host; the old one is only observed.
  CHECK(errors_of(k_hosts + "pools:\n  p: {hosts: all, type: dir, path: /srv/cluster/p, shared: true}\n"
                            "volumes:\n  v: {host: h2, pool: p, capacity: 1GiB}\n"
                            "domains:\n  d: {host: h2, vcpus: 1, memory: 64MiB, disks: [{volume: v}]}\n")
            .empty());
}
