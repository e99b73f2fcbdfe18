// A `hosts:` entry read into a HostConfig: the SSH timings docs/ssh.md
// documents (connect_timeout, keepalive) and the address spelled one way.

#include "planner/host_reader.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace virtplan::planner {
namespace {

using namespace std::chrono_literals;
using providers::host_address_key;

struct Read {
  providers::HostConfig config;
  std::vector<std::string> errors;
};

Read read(const std::string& yaml) {
  providers::Diagnostics diags;
  Read out{read_host("lab1", providers::YamlValue(YAML::Load(yaml), "s.yaml", "host lab1"), diags), {}};
  for (const auto& d : diags.sorted()) out.errors.push_back(d.str());
  return out;
}

TEST_CASE("host entry: connect_timeout and keepalive are read, bare or in seconds") {
  const Read r = read("{address: 'ssh://root@10.0.0.2', connect_timeout: 3, keepalive: 30s}");
  CHECK(r.errors == std::vector<std::string>{});
  CHECK(r.config.connect_timeout == 3s);
  CHECK(r.config.keepalive == 30s);

  const Read off = read("{address: 'ssh://root@10.0.0.2', keepalive: 0}");
  CHECK(off.errors == std::vector<std::string>{});
  CHECK(off.config.keepalive == 0s);
  CHECK(off.config.connect_timeout == 10s);  // the default stays
}

TEST_CASE("host entry: image_cache is an absolute path on the host, /var/lib/virtplan/cache by default") {
  CHECK(read("{address: local}").config.image_cache == "/var/lib/virtplan/cache");
  const Read r = read("{address: local, image_cache: /srv/images cache}");
  CHECK(r.errors == std::vector<std::string>{});
  CHECK(r.config.image_cache == "/srv/images cache");
  CHECK(read("{address: local, image_cache: cache}").errors ==
        std::vector<std::string>{
            "s.yaml:1:31: host lab1: 'image_cache' must be an absolute path on the host, not 'cache'"});
}

TEST_CASE("host entry: a timing that is not a number of seconds in range is an error at its value") {
  const Read r = read("{address: local, connect_timeout: 0, keepalive: soon}");
  CHECK(r.errors ==
        std::vector<std::string>{
            "s.yaml:1:35: host lab1: connect_timeout '0': expected seconds from 1s to 3600s (as 120s or 2m)",
            "s.yaml:1:49: host lab1: keepalive 'soon': expected seconds from 0s to 3600s (as 120s or "
            "2m)"});
}

// One reading of durations for every key: `2m` is as good for a host's
// connect_timeout as for a domain's shutdown_timeout.
TEST_CASE("host entry: timings take minutes too, as every duration in a stack does") {
  const Read r = read("{address: local, connect_timeout: 2m, keepalive: 1m}");
  CHECK(r.errors == std::vector<std::string>{});
  CHECK(r.config.connect_timeout == 120s);
  CHECK(r.config.keepalive == 60s);
}

TEST_CASE("host entry: the address key fills in the default user and port and ignores the name's case") {
  CHECK(host_address_key(read("{address: 'ssh://HV1.example'}").config) == "ssh://root@hv1.example:22");
  CHECK(host_address_key(read("{address: 'ssh://root@hv1.example:22'}").config) ==
        "ssh://root@hv1.example:22");
  CHECK(host_address_key(read("{address: 'ssh://ops@[fe80::1]:2222'}").config) == "ssh://ops@[fe80::1]:2222");
  CHECK(host_address_key(read("{address: local}").config) == "local");
  CHECK(host_address_key(read("{address: 'nope://x'}").config).empty());
}

}  // namespace
}  // namespace virtplan::planner
