#include "providers/host/transport_factory.h"

#include <catch2/catch.hpp>

using namespace virtplan::providers;

namespace {

HostConfig parsed(std::string_view address) {
  HostConfig config;
  config.name = "h";
  auto result = parse_host_address(address, config);
  INFO(address << ": " << (result ? std::string("ok") : result.error().message()));
  REQUIRE(result);
  return config;
}

Error rejected(std::string_view address) {
  HostConfig config;
  auto result = parse_host_address(address, config);
  INFO(address);
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::invalid);
  return result.error();
}

}  // namespace

TEST_CASE("parse_host_address reads local") {
  HostConfig config = parsed("local");
  CHECK(config.local);
}

TEST_CASE("parse_host_address reads ssh://HOST with the default user and port 22") {
  HostConfig config;
  config.port = 2222;  // an earlier value: the address decides
  REQUIRE(parse_host_address("ssh://lab1.example.org", config));
  CHECK_FALSE(config.local);
  CHECK(config.user == "root");
  CHECK(config.hostname == "lab1.example.org");
  CHECK(config.port == 22);
}

TEST_CASE("parse_host_address reads user and port") {
  HostConfig config = parsed("ssh://virt-admin@10.231.1.2:2200");
  CHECK(config.user == "virt-admin");
  CHECK(config.hostname == "10.231.1.2");
  CHECK(config.port == 2200);
}

TEST_CASE("parse_host_address reads IPv6 addresses in brackets") {
  HostConfig config = parsed("ssh://root@[fe80::1:2]:2222");
  CHECK(config.hostname == "fe80::1:2");
  CHECK(config.port == 2222);
  CHECK(parsed("ssh://[::1]").hostname == "::1");
  CHECK(parsed("ssh://[::1]").port == 22);
}

TEST_CASE("parse_host_address rejects malformed addresses, quoting them") {
  CHECK(
      rejected("lab1").message() ==
      "address 'lab1': unknown scheme (expected 'local', ssh://[USER@]HOST[:PORT] or qemu+ssh://[USER@]HOST[:PORT]/system)");
  CHECK_THAT(rejected("ssh://").message(), Catch::Contains("no host"));
  CHECK_THAT(rejected("ssh://root@").message(), Catch::Contains("no host"));
  CHECK_THAT(rejected("ssh://@host").message(), Catch::Contains("'' is not a user name"));
  CHECK_THAT(rejected("ssh://host:0").message(), Catch::Contains("bad port"));
  CHECK_THAT(rejected("ssh://host:65536").message(), Catch::Contains("bad port"));
  CHECK_THAT(rejected("ssh://host:22x").message(), Catch::Contains("bad port"));
  CHECK_THAT(rejected("ssh://host/path").message(), Catch::Contains("not a host name"));
  CHECK_THAT(rejected("ssh://[fe80::1").message(), Catch::Contains("unclosed '['"));
  CHECK_THAT(rejected("ssh://[lab1]:22").message(), Catch::Contains("not an IPv6 address"));
  CHECK_THAT(rejected("ssh://fe80::1").message(), Catch::Contains("bad port"));
  CHECK_THAT(rejected("ssh://-oProxyCommand=x").message(), Catch::Contains("not a host name"));
  CHECK_THAT(rejected("ssh://a b@host").message(), Catch::Contains("not a user name"));
  CHECK_THAT(rejected("ssh://host:22/").message(), Catch::Contains("bad port"));
}

TEST_CASE("make_transport gives an SshTransport named after the host, without connecting") {
  HostConfig config;
  config.name = "far";
  REQUIRE(parse_host_address("ssh://root@10.231.250.2", config));
  auto transport = make_transport(config);
  REQUIRE(transport);
  CHECK((*transport)->host_name() == "far");
}

TEST_CASE("make_transport refuses an SSH host without a hostname") {
  HostConfig config;
  config.name = "nowhere";
  auto transport = make_transport(config);
  REQUIRE_FALSE(transport);
  CHECK(transport.error().code() == ErrorCode::invalid);
  CHECK(transport.error().message() == "nowhere: no hostname to connect to");
}

TEST_CASE("make_transport gives a local transport that runs commands here") {
  HostConfig config;
  config.name = "local";
  REQUIRE(parse_host_address("local", config));
  auto transport = make_transport(config);
  REQUIRE(transport);
  auto output = (*transport)->run(Command{{"printf", "%s", "here"}, std::nullopt, std::chrono::seconds(10)});
  REQUIRE(output);
  CHECK(output->out == "here");
}

TEST_CASE("parse_host_address maps qemu+ssh:// URIs onto the SSH transport") {
  HostConfig config =
      parsed("qemu+ssh://admin@hv1.example.org:2222/system?keyfile=/k/id&known_hosts=/k/kh&no_tty=1");
  CHECK_FALSE(config.local);
  CHECK(config.user == "admin");
  CHECK(config.hostname == "hv1.example.org");
  CHECK(config.port == 2222);
  CHECK(config.given.user);
  CHECK(config.given.port);
  CHECK(config.libvirt_uri == "qemu:///system");
  CHECK(config.identity == "/k/id");
  CHECK(config.known_hosts == "/k/kh");
  HostConfig session = parsed("qemu+libssh://hv2/session?keyfile=%2Froot%2Fkey");
  CHECK(session.libvirt_uri == "qemu:///session");
  CHECK(session.identity == "/root/key");
  CHECK_FALSE(session.given.user);
  CHECK_FALSE(session.given.port);
  CHECK(session.port == 22);
}

TEST_CASE(
    "parse_host_address refuses qemu+ssh:// URIs that turn off host key checks, or ask what it cannot do") {
  CHECK_THAT(rejected("qemu+ssh://h/system?no_verify=1").message(),
             Catch::Contains("no_verify=1 is refused: virtplan always checks the host key"));
  CHECK_THAT(rejected("qemu+ssh://h/system?known_hosts_verify=ignore").message(),
             Catch::Contains("known_hosts_verify=ignore is refused"));
  CHECK_THAT(rejected("qemu+ssh://h/system?socket=/run/x").message(),
             Catch::Contains("parameter 'socket' is not supported"));
  CHECK_THAT(rejected("qemu+ssh://h").message(), Catch::Contains("no path"));
  CHECK_THAT(rejected("qemu+ssh://h/other").message(),
             Catch::Contains("path '/other' is not /system or /session"));
  CHECK(parsed("qemu+ssh://h/system?no_verify=0").hostname == "h");
}
