// Which domains use a network (read from the domains' XML, live and inactive,
// in the network reader's rounds), and the hold that keeps a destroy from
// cutting them off unless forced.

#include "net/network_users.h"
#include "net/network_kind.h"
#include "net/network_reader.h"
#include "providers/host/ledger.h"

#include "tests/support/scripted_round.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace virtplan;
using nlohmann::json;
using providers::Result;
using providers::VirshArgs;

namespace {

std::string domain_with_nics(const std::string& name,
                             const std::vector<std::pair<std::string, std::string>>& nics) {
  std::string xml = "<domain type='qemu'><name>" + name + "</name><devices>";
  for (const auto& [network, mac] : nics) {
    xml += "<interface type='network'><mac address='" + mac + "'/><source network='" + network +
           "'/></interface>";
  }
  xml += "<interface type='bridge'><mac address='52:54:00:00:00:99'/><source bridge='br0'/></interface>";
  return xml + "</devices></domain>";
}

}  // namespace

TEST_CASE("network users: each network interface of a domain, not its bridge interfaces") {
  auto users = net::read_network_users(
      "db", domain_with_nics("db", {{"lan", "52:54:00:00:00:01"}, {"wan", "52:54:00:00:00:02"}}), true);
  REQUIRE(users);
  CHECK(*users == std::vector<net::NetworkUser>{{"lan", "db", "52:54:00:00:00:01", true},
                                                {"wan", "db", "52:54:00:00:00:02", true}});
}

TEST_CASE("network users: one entry per domain and MAC, running when a live document showed it") {
  const std::vector<net::NetworkUser> users{{"lan", "db", "52:54:00:00:00:01", false},
                                            {"lan", "db", "52:54:00:00:00:01", true},
                                            {"lan", "cache", "52:54:00:00:00:03", false},
                                            {"wan", "db", "52:54:00:00:00:02", false}};
  CHECK(net::network_used_by(users, "lan") ==
        json::array({{{"domain", "cache"}, {"interface", "52:54:00:00:00:03"}, {"running", false}},
                     {{"domain", "db"}, {"interface", "52:54:00:00:00:01"}, {"running", true}}}));
  CHECK(net::network_used_by(users, "none").empty());
}

TEST_CASE(
    "network kind: a destroy is held, forceably, by every domain using the network, but a replace is not") {
  const json observed{
      {"used_by",
       json::array({{{"domain", "db"}, {"interface", "52:54:00:00:00:01"}, {"running", true}},
                    {{"domain", "cache"}, {"interface", "52:54:00:00:00:03"}, {"running", false}}})}};
  const providers::ObjectId id{"network", "lan", "lab1"};
  auto holds = net::NetworkKind().holds(id, observed, false);
  REQUIRE(holds.size() == 2);
  CHECK(holds[0].holder.address() == "domain.db@lab1");
  CHECK(holds[0].how == "interface 52:54:00:00:00:01, running");
  CHECK(holds[0].forceable == providers::Hold::Forceable::yes);
  CHECK(holds[1].how == "interface 52:54:00:00:00:03");
  CHECK(net::NetworkKind().holds(id, observed, true).empty());
  CHECK(net::NetworkKind().holds(id, json::object(), false).empty());
}

TEST_CASE("network reader: reads the domains' XML in its second round and puts used_by on each network") {
  auto reading = net::NetworkReader().start({});
  const VirshArgs networks{"net-list", "--all", "--name"};
  const VirshArgs domains{"list", "--all", "--name"};
  const VirshArgs running{"list", "--name"};
  auto first = reading->next_round({});
  REQUIRE(std::find(first.begin(), first.end(), domains) != first.end());
  REQUIRE(std::find(first.begin(), first.end(), running) != first.end());
  auto second = reading->next_round(
      test::answer_round(first, {{networks, "lan\n"}, {domains, "db\nidle\n"}, {running, "db\n"}}));
  const VirshArgs lan{"net-dumpxml", "--inactive", "--network", "lan"};
  const VirshArgs db_inactive{"dumpxml", "--inactive", "--security-info", "--domain", "db"};
  const VirshArgs db_live{"dumpxml", "--domain", "db"};
  const VirshArgs idle_inactive{"dumpxml", "--inactive", "--security-info", "--domain", "idle"};
  CHECK(second == std::vector<VirshArgs>{lan, db_inactive, db_live, idle_inactive});
  const std::string lan_xml =
      "<network><name>lan</name><forward mode='nat'/><bridge name='virbr9'/>"
      "<ip address='192.168.90.1' netmask='255.255.255.0'/></network>";
  CHECK(reading
            ->next_round(test::answer_round(
                second, {{lan, lan_xml},
                         {db_inactive, domain_with_nics("db", {{"lan", "52:54:00:00:00:01"}})},
                         {db_live, domain_with_nics(
                                       "db", {{"lan", "52:54:00:00:00:01"}, {"lan", "52:54:00:00:00:02"}})},
                         {idle_inactive, domain_with_nics("idle", {{"wan", "52:54:00:00:00:05"}})}}))
            .empty());
  auto objects = reading->finish();
  REQUIRE(objects);
  REQUIRE(objects->size() == 1);
  CHECK((*objects)[0].spec["used_by"] ==
        json::array({{{"domain", "db"}, {"interface", "52:54:00:00:00:01"}, {"running", true}},
                     {{"domain", "db"}, {"interface", "52:54:00:00:00:02"}, {"running", true}}}));
}

TEST_CASE(
    "network reader: a declared domain's XML is asked with the listings (one round for a host holding just "
    "the stack), unless the ledger says the stack does not own it") {
  providers::StackObject web;
  web.id = {"domain", "web", "lab1"};
  web.spec = json{{"state", "running"}};
  const VirshArgs inactive{"dumpxml", "--inactive", "--security-info", "--domain", "web"};
  const VirshArgs live{"dumpxml", "--domain", "web"};
  auto reading = net::NetworkReader().start({web});
  auto first = reading->next_round({});
  CHECK(std::find(first.begin(), first.end(), inactive) != first.end());
  CHECK(std::find(first.begin(), first.end(), live) != first.end());

  auto unowned = net::NetworkReader().start({web});
  unowned->owned(providers::Ledger("s"));
  auto asked = unowned->next_round({});
  CHECK(std::find(asked.begin(), asked.end(), inactive) == asked.end());
}

// A declared domain's live XML is asked with the listings, before they say
// whether it runs; virsh answers it for a shut-off domain too (with the
// inactive XML), which must not make the domain a running user.
TEST_CASE(
    "network reader: a declared domain that is shut off uses the network, but not as a running domain") {
  providers::StackObject web;
  web.id = {"domain", "web", "lab1"};
  web.spec = json{{"state", "running"}};
  auto reading = net::NetworkReader().start({web});
  const VirshArgs networks{"net-list", "--all", "--name"};
  const VirshArgs domains{"list", "--all", "--name"};
  const VirshArgs lan{"net-dumpxml", "--inactive", "--network", "lan"};
  const std::string web_xml = domain_with_nics("web", {{"lan", "52:54:00:00:00:07"}});
  auto first = reading->next_round({});
  const VirshArgs live{"dumpxml", "--domain", "web"};
  REQUIRE(std::find(first.begin(), first.end(), live) != first.end());
  auto second = reading->next_round(test::answer_round(
      first, {{networks, "lan\n"},
              {domains, "web\n"},
              {live, web_xml},
              {{"dumpxml", "--inactive", "--security-info", "--domain", "web"}, web_xml}}));
  CHECK(reading
            ->next_round(test::answer_round(
                second, {{lan, "<network><name>lan</name><bridge name='virbr9'/></network>"}}))
            .empty());
  auto objects = reading->finish();
  REQUIRE(objects);
  REQUIRE(objects->size() == 1);
  CHECK((*objects)[0].spec["used_by"] ==
        json::array({{{"domain", "web"}, {"interface", "52:54:00:00:00:07"}, {"running", false}}}));
}
