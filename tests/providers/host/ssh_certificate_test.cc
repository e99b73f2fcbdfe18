// OpenSSH user certificates as ssh-keygen -s makes them: read far enough to
// explain a refusal (expired, not yet valid, another principal).

#include "providers/host/ssh_certificate.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace virtplan::providers;

namespace {

// A key signed by a fresh CA with ssh-keygen; returns the -cert.pub line.
std::string signed_certificate(const std::string& type, const std::string& principals,
                               const std::string& validity) {
  std::string dir = "/tmp/vp-cert-test-XXXXXX";
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string commands = "cd " + dir + " && ssh-keygen -q -t ed25519 -N '' -f ca && ssh-keygen -q -t " +
                               type + " -N '' -f user && ssh-keygen -q -s ca -I vp-test -n " + principals +
                               " -V " + validity + " user.pub";
  REQUIRE(std::system(commands.c_str()) == 0);
  std::ifstream in(dir + "/user-cert.pub");
  std::string line;
  std::getline(in, line);
  std::filesystem::remove_all(dir);
  return line;
}

}  // namespace

TEST_CASE("certificates: principals and validity are read from ed25519, ecdsa and rsa certificates") {
  for (const std::string type : {"ed25519", "ecdsa", "rsa"}) {
    INFO(type);
    auto certificate =
        parse_ssh_certificate(signed_certificate(type, "alice,bob", "20200101000000Z:20200102000000Z"));
    REQUIRE(certificate);
    CHECK(certificate->key_id == "vp-test");
    CHECK(certificate->principals == std::vector<std::string>{"alice", "bob"});
    CHECK(certificate->valid_after == 1577836800);
    CHECK(certificate->valid_before == 1577923200);
  }
}

TEST_CASE("certificates: an expired one, one not valid yet, and one for other principals are explained") {
  auto certificate =
      parse_ssh_certificate(signed_certificate("ed25519", "alice,bob", "20200101000000Z:20200102000000Z"));
  REQUIRE(certificate);
  CHECK(certificate_problem(*certificate, "alice", 1577923200) ==
        "the certificate expired at 2020-01-02 00:00:00 UTC");
  CHECK(certificate_problem(*certificate, "alice", 1577836799) ==
        "the certificate is not valid before 2020-01-01 00:00:00 UTC");
  CHECK(certificate_problem(*certificate, "root", 1577836800) ==
        "the certificate is for principals alice, bob, not root");
  CHECK_FALSE(certificate_problem(*certificate, "bob", 1577836800));
}

TEST_CASE("certificates: a plain public key is not a certificate") {
  CHECK_FALSE(
      parse_ssh_certificate("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOJDPXkgp3dGxSYqKWZgTAzY7ofCJr1p x"));
  CHECK_FALSE(parse_ssh_certificate("garbage"));
}
