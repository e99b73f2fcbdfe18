// NetUpdate::between: the net-update commands that take a network's DHCP
// hosts, ranges and DNS hosts from one spec to another, in a safe order.

#include "net/net_update.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using virtplan::net::NetUpdate;

namespace {

json network(json hosts, json range, json dns) {
  return json{{"mode", "nat"},
              {"ipv4", {{"address", "10.77.0.1/24"}, {"dhcp", {{"range", range}, {"hosts", hosts}}}}},
              {"dns", {{"hosts", dns}}}};
}

std::vector<std::string> summary(const std::vector<NetUpdate>& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) {
    std::string xml = u.xml;
    while (!xml.empty() && xml.back() == '\n') xml.pop_back();
    out.push_back(u.command + " " + u.section + " " + xml);
  }
  return out;
}

}  // namespace

TEST_CASE("net-update: nothing for equal specs", "[net]") {
  json spec =
      network({{"52:54:00:00:00:10", {{"ip", "10.77.0.10"}}}}, "10.77.0.100-10.77.0.199", json::object());
  CHECK(NetUpdate::between(spec, spec).empty());
}

TEST_CASE("net-update: DHCP hosts deleted, modified by MAC, added", "[net]") {
  json before = network({{"52:54:00:00:00:10", {{"ip", "10.77.0.10"}, {"name", "web"}}},
                         {"52:54:00:00:00:11", {{"ip", "10.77.0.11"}}}},
                        "10.77.0.100-10.77.0.199", json::object());
  json after =
      network({{"52:54:00:00:00:11", {{"ip", "10.77.0.21"}}}, {"52:54:00:00:00:12", {{"ip", "10.77.0.10"}}}},
              "10.77.0.100-10.77.0.199", json::object());
  CHECK(summary(NetUpdate::between(before, after)) ==
        std::vector<std::string>{
            R"(delete ip-dhcp-host <host mac="52:54:00:00:00:10" name="web" ip="10.77.0.10"/>)",
            R"(modify ip-dhcp-host <host mac="52:54:00:00:00:11" ip="10.77.0.21"/>)",
            R"(add-last ip-dhcp-host <host mac="52:54:00:00:00:12" ip="10.77.0.10"/>)"});
}

TEST_CASE("net-update: a new range is added before the old one goes, DNS hosts replaced", "[net]") {
  json before = network(json::object(), "10.77.0.100-10.77.0.199", {{"10.77.0.10", {"web.lan"}}});
  json after = network(json::object(), json::array({"10.77.0.50-10.77.0.60", "10.77.0.100-10.77.0.199"}),
                       {{"10.77.0.10", {"web.lan", "www.lan"}}, {"10.77.0.11", {"db.lan"}}});
  CHECK(summary(NetUpdate::between(before, after)) ==
        std::vector<std::string>{
            R"(add-last ip-dhcp-range <range start="10.77.0.50" end="10.77.0.60"/>)",
            "delete dns-host <host ip=\"10.77.0.10\">\n  <hostname>web.lan</hostname>\n</host>",
            "add-last dns-host <host ip=\"10.77.0.10\">\n  <hostname>web.lan</hostname>\n  "
            "<hostname>www.lan</hostname>\n</host>",
            "add-last dns-host <host ip=\"10.77.0.11\">\n  <hostname>db.lan</hostname>\n</host>"});
  CHECK(summary(NetUpdate::between(after, before)) ==
        std::vector<std::string>{
            R"(delete ip-dhcp-range <range start="10.77.0.50" end="10.77.0.60"/>)",
            "delete dns-host <host ip=\"10.77.0.10\">\n  <hostname>web.lan</hostname>\n  "
            "<hostname>www.lan</hostname>\n</host>",
            "delete dns-host <host ip=\"10.77.0.11\">\n  <hostname>db.lan</hostname>\n</host>",
            "add-last dns-host <host ip=\"10.77.0.10\">\n  <hostname>web.lan</hostname>\n</host>"});
}
