// The renderings of `virtplan metrics` on real `virsh domstats --raw` output
// captured on a lab host (tests/kvm/data/domstats-raw.txt).

#include "cli/metrics_output.h"
#include "kvm/domain_stats.h"
#include "tests/support/kind_fixture.h"

#include <catch2/catch.hpp>

#include <sstream>

namespace virtplan::cli {
namespace {

std::vector<DomainSample> samples() {
  std::vector<DomainSample> out;
  for (const auto& stats :
       kvm::parse_domstats(test::read_file(test::source_path("tests/kvm/data/domstats-raw.txt")))) {
    out.push_back(DomainSample{stats.domain, "lab1", stats.metrics()});
  }
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST_CASE("prometheus output: help, type and labelled samples per metric") {
  const std::string text = render_prometheus("demo", samples(), {{"lab1", true}, {"lab2", false}});
  CHECK(has_line(text, "# TYPE virtplan_domain_cpu_time_seconds_total counter"));
  CHECK(has_line(text, "virtplan_domain_state{domain=\"capweb\",host=\"lab1\",stack=\"demo\"} 1"));
  CHECK(has_line(text, "virtplan_domain_state{domain=\"capoff\",host=\"lab1\",stack=\"demo\"} 5"));
  CHECK(has_line(
      text,
      "virtplan_domain_balloon_current_bytes{domain=\"capweb\",host=\"lab1\",stack=\"demo\"} 134217728"));
  CHECK(has_line(text, "virtplan_domain_vcpus{domain=\"capweb\",host=\"lab1\",stack=\"demo\"} 1"));
  CHECK(
      text.find(
          "virtplan_domain_net_rx_bytes_total{domain=\"capweb\",host=\"lab1\",stack=\"demo\",interface=\"vnet0\"} ") !=
      std::string::npos);
  CHECK(
      text.find(
          "virtplan_domain_block_read_bytes_total{domain=\"capweb\",host=\"lab1\",stack=\"demo\",device=\"vda\"} ") !=
      std::string::npos);
  CHECK(text.find("device=\"vda\"") != std::string::npos);
  CHECK(has_line(text, "virtplan_host_up{host=\"lab1\",stack=\"demo\"} 1"));
  CHECK(has_line(text, "virtplan_host_up{host=\"lab2\",stack=\"demo\"} 0"));
}

TEST_CASE("prometheus output: counters end in _total, every metric has its HELP and TYPE first") {
  const std::string text = render_prometheus("demo", samples(), {{"lab1", true}});
  std::istringstream lines(text);
  std::string type;  // the TYPE line's metric and type, for the samples after it
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      type = line.substr(7);
      const auto space = type.find(' ');
      if (type.substr(space + 1) == "counter") CHECK(type.substr(0, space).ends_with("_total"));
      continue;
    }
    REQUIRE(!type.empty());
    CHECK(line.starts_with(type.substr(0, type.find(' ')) + "{"));
  }
}

TEST_CASE("influx output: one line per domain, interface and disk, tags sorted by key") {
  const std::string text = render_influx("demo", samples());
  CHECK(text.find("virtplan_domain,domain=capweb,host=lab1,stack=demo state=1i,cpu_time_seconds=") == 0);
  CHECK(text.find("balloon_current_bytes=134217728i") != std::string::npos);
  CHECK(text.find("virtplan_domain_net,domain=capweb,host=lab1,interface=vnet0,stack=demo rx_bytes=") !=
        std::string::npos);
  CHECK(text.find("virtplan_domain_block,device=vda,domain=capweb,host=lab1,stack=demo read_bytes=") !=
        std::string::npos);
  CHECK(text.find("virtplan_domain,domain=capoff,host=lab1,stack=demo state=5i") != std::string::npos);
}

TEST_CASE("json output: every figure, nulls for what virsh did not print") {
  const auto json = render_metrics_json("demo", samples(), {{"lab2", "connection refused"}});
  CHECK(json["stack"] == "demo");
  REQUIRE(json["domains"].size() == 2);
  CHECK(json["domains"][0]["domain"] == "capweb");
  CHECK(json["domains"][0]["balloon_maximum_bytes"] == 134217728);
  CHECK(json["domains"][0]["interfaces"][0]["name"] == "vnet0");
  CHECK(json["domains"][1]["disks"].empty());
  CHECK(json["unreachable"]["lab2"] == "connection refused");
}

TEST_CASE("prometheus label values and influx tags are escaped") {
  std::vector<DomainSample> odd = {{"a\"b", "lab 1", {}}};
  odd[0].metrics.state = 1;
  CHECK(render_prometheus("s", odd, {}).find("domain=\"a\\\"b\",host=\"lab 1\"") != std::string::npos);
  CHECK(render_influx("s", odd).find("virtplan_domain,domain=a\"b,host=lab\\ 1,stack=s state=1i") == 0);
}

}  // namespace
}  // namespace virtplan::cli
