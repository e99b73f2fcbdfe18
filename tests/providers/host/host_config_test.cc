// host_address_key(): a host's address spelled one way, for the loader's
// one-hypervisor-once check and for `virtplan hosts`.

#include "providers/host/host_config.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("host_address_key lowers the host name and brackets an IPv6 address") {
  HostConfig host;
  host.hostname = "HV1.Example";
  CHECK(host_address_key(host) == "ssh://root@hv1.example:22");
  host.user = "ops";
  host.hostname = "FE80::1";
  host.port = 2222;
  CHECK(host_address_key(host) == "ssh://ops@[fe80::1]:2222");
  host.local = true;
  CHECK(host_address_key(host) == "local");
  CHECK(host_address_key(HostConfig{}).empty());
}

}  // namespace
}  // namespace virtplan::providers
