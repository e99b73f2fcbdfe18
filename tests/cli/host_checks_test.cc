#include "cli/host_checks.h"

#include <catch2/catch.hpp>

using namespace virtplan::cli;
using virtplan::providers::Error;
using virtplan::providers::ErrorCode;
using virtplan::providers::HostConfig;
using virtplan::providers::Result;

namespace {

HostSurvey reached_host() {
  HostSurvey s;
  s.reached = "10.0.0.1:22";
  s.libvirt_version = "9.0.0";
  s.hypervisor = "QEMU 7.2.0";
  s.kvm = true;
  s.libvirt_uuid = "uuid-1";
  s.ssh_host_key = "ssh-ed25519 SHA256:one";
  s.user = "root";
  s.root = true;
  s.memory_total = 8ull << 30;
  s.memory_available = 4ull << 30;
  s.cpus = 4;
  return s;
}

std::vector<CheckLine> run(const HostDemand& demand, const Result<HostSurvey>& survey,
                           const std::map<std::string, const HostSurvey*>& others = {}) {
  HostConfig config;
  config.name = "hv1";
  const std::string host = "hv1";
  return check_host({host, config, demand, survey, others});
}

const CheckLine& line(const std::vector<CheckLine>& lines, const std::string& check) {
  for (const auto& l : lines) {
    if (l.check == check) return l;
  }
  FAIL("no line " << check);
  throw;
}

}  // namespace

TEST_CASE("host checks: a host that is not reached fails once, every other check skipped") {
  const Result<HostSurvey> refused =
      std::unexpected(Error(ErrorCode::unreachable, "hv1 (10.0.0.1:22): refused"));
  const auto lines = run({}, refused);
  REQUIRE(lines.size() == host_check_names().size());
  CHECK(lines[0] == CheckLine{"hv1", "reachable", Verdict::fail, "hv1 (10.0.0.1:22): refused"});
  for (std::size_t i = 1; i < lines.size(); ++i) CHECK(lines[i].verdict == Verdict::skipped);
}

TEST_CASE("host checks: two entries with one UUID and one SSH key are one host, cloned keys alone are not") {
  const Result<HostSurvey> me = reached_host();
  HostSurvey twin = reached_host();
  CHECK(line(run({}, me, {{"hv0", &twin}}), "identity").verdict == Verdict::fail);
  CHECK(line(run({}, me, {{"hv0", &twin}}), "identity").detail.starts_with("the same host as 'hv0'"));
  twin.libvirt_uuid = "uuid-2";
  CHECK(line(run({}, me, {{"hv0", &twin}}), "identity").verdict == Verdict::ok);
  twin.libvirt_uuid = "uuid-1";
  twin.ssh_host_key = "ssh-ed25519 SHA256:two";
  CHECK(line(run({}, me, {{"hv0", &twin}}), "identity").verdict == Verdict::ok);
}

TEST_CASE("host checks: pool paths, free space, bridges and memory against what the stack declares") {
  HostSurvey s = reached_host();
  s.paths["/srv/a"] = {"exists", "/srv/a", 1ull << 30, ""};
  s.paths["/etc/hostname/b"] = {"blocked", "/etc/hostname", 1ull << 30, ""};
  s.links = {"lo", "eth0"};
  HostDemand demand;
  demand.pools = {{"a", "/srv/a", 2ull << 30}, {"b", "/etc/hostname/b", 0}};
  demand.networks = {{"n", "nat", "eth0"}, {"m", "nat", "virbr9"}};
  demand.domains = 1;
  demand.memory_bytes = 16ull << 30;
  demand.max_vcpus = 2;
  const auto lines = run(demand, s);
  CHECK(line(lines, "pool a").verdict == Verdict::ok);
  CHECK(line(lines, "pool b").verdict == Verdict::fail);
  CHECK(line(lines, "space a").verdict == Verdict::fail);
  CHECK(line(lines, "space b").verdict == Verdict::ok);
  CHECK(line(lines, "bridge eth0").verdict == Verdict::fail);
  CHECK(line(lines, "bridge virbr9").verdict == Verdict::ok);
  CHECK(line(lines, "nat").verdict == Verdict::fail);  // no dnsmasq read
  CHECK(line(lines, "memory").verdict == Verdict::fail);
  CHECK(line(lines, "cpus").verdict == Verdict::ok);
  CHECK(line(lines, "kvm").verdict == Verdict::ok);
}

TEST_CASE("host checks: permission is root, the socket's group, or sudo -n, else what to add") {
  HostSurvey s = reached_host();
  s.root = false;
  s.user = "alice";
  s.socket_group = "libvirt";
  s.groups = {"alice", "libvirt"};
  CHECK(line(run({}, s), "permission").detail == "alice, in group libvirt (libvirt's socket)");
  s.groups = {"alice"};
  s.libvirt_error = Error(ErrorCode::unreachable,
                          "failed to connect to the hypervisor: Failed to connect socket to "
                          "'/var/run/libvirt/libvirt-sock': Permission denied");
  const auto refused = line(run({}, s), "permission");
  CHECK(refused.verdict == Verdict::fail);
  CHECK(refused.detail.find("usermod -aG libvirt") != std::string::npos);
}

TEST_CASE("host survey: the script's lines, paths with spaces included") {
  HostSurvey s;
  parse_survey_script(
      "user\talice\t1000\ngroups\talice libvirt\nsocket_group\tlibvirt\n"
      "memory\t8589934592\t4294967296\ncpus\t4\nlinks\tlo eth0 \n"
      "path\tcreatable\t1024\t-\t/srv\t/srv/my pool\n",
      s);
  CHECK(s.user == "alice");
  CHECK_FALSE(s.root);
  CHECK(s.groups == std::set<std::string>{"alice", "libvirt"});
  CHECK(s.memory_total == 8589934592ull);
  CHECK(s.cpus == 4);
  CHECK(s.links.contains("eth0"));
  REQUIRE(s.paths.contains("/srv/my pool"));
  CHECK(s.paths.at("/srv/my pool").state == "creatable");
  CHECK(s.paths.at("/srv/my pool").free_bytes == 1024);
  CHECK(s.paths.at("/srv/my pool").nearest == "/srv");
}

TEST_CASE(
    "host checks: the download tool is curl, else wget; neither fails only a host with images to fetch") {
  HostSurvey s = reached_host();
  s.download_tools = {"curl", "wget"};
  CHECK(line(run({}, s), "download") == CheckLine{"hv1", "download", Verdict::ok, "curl (wget too)"});
  s.download_tools = {"wget"};
  CHECK(line(run({}, s), "download").detail == "wget (no curl)");
  s.download_tools = {};
  CHECK(line(run({}, s), "download").verdict == Verdict::ok);
  HostDemand demand;
  demand.image_volumes = {"root"};
  const auto missing = line(run(demand, s), "download");
  CHECK(missing.verdict == Verdict::fail);
  CHECK(missing.detail.starts_with("neither curl nor wget, but volume root has an image by URL"));

  HostSurvey read;
  parse_survey_script("download\t curl wget\n", read);
  CHECK(read.download_tools == std::set<std::string>{"curl", "wget"});
}
