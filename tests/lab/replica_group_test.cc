// A replica group (`count:`, issue 20) on the two lab hosts, scaled 2 -> 4
// -> 1: members spread one per host, each with its own volume, MAC and DHCP
// address in its host's network; scaling up adds members without touching
// the others (names, hosts, MACs the same), scaling down destroys the
// highest indexes with their DATA LOSS lines, and each apply leaves an
// empty plan.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <map>
#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::plan_of;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;

namespace {

// A group member as the lab hosts hold it: its host index and its MAC.
struct GroupMemberSeen {
  int host = -1;
  std::string mac;
  bool operator==(const GroupMemberSeen&) const = default;
};

std::string group_stack_text(const LabEnv& env, const std::string& tag, int octet, int count) {
  return fmt::format(
      "stack: grp-{0}\nhosts:\n{1}    cpu_overcommit: 64\n{2}    cpu_overcommit: 64\n"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "networks:\n  n-{0}:\n    hosts: all\n    mode: isolated\n    bridge: vpg{0}\n"
      "    ipv4: {{address: 10.{3}.77.1/24, dhcp: {{range: 10.{3}.77.100-10.{3}.77.199}}}}\n"
      "volumes:\n  r-{0}: {{host: auto, pool: p-{0}, capacity: 16MiB, per_member: true}}\n"
      "domains:\n  g{0}:\n    count: {4}\n    host: auto\n    vcpus: 1\n    memory: 64MiB\n"
      "    state: stopped\n    virt_type: qemu\n    disks: [{{volume: r-{0}, target: vda}}]\n"
      "    interfaces: [{{network: n-{0}}}]\n"
      "    addresses: {{network: n-{0}, range: 10.{3}.77.10-10.{3}.77.20}}\n",
      tag, host_block(env, 0), host_block(env, 1), octet, count);
}

// Where member `name` is defined (the lab host index) and its MAC there.
GroupMemberSeen group_member_seen(const LabEnv& env, const std::string& name) {
  for (std::size_t i = 0; i < 2; ++i) {
    if (!has(env.run_in(i, "virsh -q list --all --name") + "\n", name + "\n")) continue;
    const std::string xml = env.run_in(i, "virsh dumpxml " + name);
    const auto at = xml.find("<mac address='");
    return GroupMemberSeen{static_cast<int>(i), at == std::string::npos ? "" : xml.substr(at + 14, 17)};
  }
  return {};
}

std::map<int, GroupMemberSeen> group_members_seen(const LabEnv& env, const std::string& group, int up_to) {
  std::map<int, GroupMemberSeen> out;
  for (int i = 1; i <= up_to; ++i) out[i] = group_member_seen(env, fmt::format("{}-{}", group, i));
  return out;
}

}  // namespace

TEST_CASE("replica group scaled 2 -> 4 -> 1: members keep names, hosts, MACs and addresses") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('G');
  const std::string group = "g" + tag;
  const int octet = 100 + getpid() % 100;
  const std::string stack = write_stack(group_stack_text(env, tag, octet, 2));
  StackCleanup cleanup{env, stack};

  // Two members, one on each host, each with its own volume and MAC, and
  // its DHCP address in the network of its host.
  apply_stack(stack, group_stack_text(env, tag, octet, 2));
  const auto two = group_members_seen(env, group, 2);
  CHECK(two.at(1).host >= 0);
  CHECK(two.at(2).host >= 0);
  CHECK(two.at(1).host != two.at(2).host);
  CHECK(two.at(1).mac != two.at(2).mac);
  for (int i = 1; i <= 2; ++i) {
    INFO(i);
    const auto at = static_cast<std::size_t>(two.at(i).host);
    CHECK(has(env.run_in(at, fmt::format("virsh -q vol-list --pool p-{}", tag)),
              fmt::format("r-{}-{}", tag, i)));
    const std::string network = env.run_in(at, fmt::format("virsh net-dumpxml n-{}", tag));
    CHECK(has(network, fmt::format("<host mac='{}' name='{}-{}' ip='10.{}.77.{}'/>", two.at(i).mac, group, i,
                                   octet, 9 + i)));
  }

  // Up to four: two new members, one more per host; the first two untouched.
  const std::string up = plan_of(stack, group_stack_text(env, tag, octet, 4));
  CHECK(has(up, fmt::format("+ domain.{}-3@", group)));
  CHECK(has(up, fmt::format("+ domain.{}-4@", group)));
  CHECK(has(up, fmt::format("of group {} there", group)));
  for (const char* mark : {"~ domain.", "- domain.", "-/+ domain."}) CHECK_FALSE(has(up, mark));
  apply_stack(stack, group_stack_text(env, tag, octet, 4));
  const auto four = group_members_seen(env, group, 4);
  CHECK(four.at(1) == two.at(1));
  CHECK(four.at(2) == two.at(2));
  CHECK(four.at(3).host >= 0);
  CHECK(four.at(4).host >= 0);
  CHECK(four.at(3).host != four.at(4).host);

  // Down to one: the three highest go, each with its volume (DATA LOSS).
  const std::string down = plan_of(stack, group_stack_text(env, tag, octet, 1));
  for (int i = 2; i <= 4; ++i) {
    INFO(i);
    CHECK(has(down, fmt::format("- domain.{}-{}@", group, i)));
    CHECK(has(down, fmt::format("- volume.r-{}-{}@", tag, i)));
  }
  CHECK(has(down, "DATA LOSS"));
  CHECK_FALSE(has(down, fmt::format("domain.{}-1@", group)));
  apply_stack(stack, group_stack_text(env, tag, octet, 1));
  const auto one = group_members_seen(env, group, 4);
  CHECK(one.at(1) == two.at(1));
  for (int i = 2; i <= 4; ++i) CHECK(one.at(i).host == -1);
  const std::string network =
      env.run_in(static_cast<std::size_t>(one.at(1).host), "virsh net-dumpxml n-" + tag);
  CHECK(has(network, fmt::format("name='{}-1'", group)));
  CHECK_FALSE(has(network, fmt::format("name='{}-2'", group)));
}
