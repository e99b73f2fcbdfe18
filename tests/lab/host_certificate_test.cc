// Issue 18, host certificates: every lab sshd presents a certificate of its
// key signed by the lab's host CA (tests/lab/lab: HostCertificate). OpenSSH
// trusts a host through a `@cert-authority` known_hosts line alone; libssh
// 0.10 cannot (known_hosts.h says why), so virtplan refuses such a host with a
// message that says so and what to do instead, never as a bare "not known"
// and never by trusting the plain key under accept-new.

#include "providers/host/transport_factory.h"
#include "tests/lab/lab_fixture.h"
#include "tests/support/scratch_dir.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace virtplan::providers;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::test::ScratchDir;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<CommandOutput> run_true(const HostConfig& config) {
  auto transport = make_transport(config);
  if (!transport) return std::unexpected(transport.error());
  return (*transport)->run(Command{{"true"}, std::nullopt, std::chrono::seconds(30)});
}

}  // namespace

TEST_CASE(
    "host certificates: a host known only through @cert-authority is refused, saying why and what to do") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string line =
      fmt::format("@cert-authority {} {}", env.hosts[0].address, read_text(env.dir + "/host_ca.pub"));
  const std::string known = scratch.write("known_hosts", line);

  // The setup is real: OpenSSH logs in with that line alone, checking the
  // host's certificate.
  const std::string openssh = fmt::format(
      "ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes -i {} -o UserKnownHostsFile={} "
      "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes root@{} true 2>&1",
      env.client_key, known, env.hosts[0].address);
  CHECK(std::system(openssh.c_str()) == 0);

  HostConfig config = env.host_config(0);
  config.known_hosts = known;
  for (HostKeyPolicy policy : {HostKeyPolicy::strict, HostKeyPolicy::accept_new}) {
    config.host_key = policy;
    auto refused = run_true(config);
    REQUIRE_FALSE(refused.has_value());
    INFO(refused.error().message());
    CHECK(refused.error().code() == ErrorCode::host_key_unknown);
    CHECK_THAT(
        refused.error().message(),
        Catch::Contains(known + ":1 trusts this host through a certificate authority (@cert-authority), "
                                "but virtplan cannot check host certificates"));
    CHECK_THAT(refused.error().message(),
               Catch::Contains("then trust the key itself with: ssh-keyscan -t ed25519"));
  }
  // accept-new did not quietly add the plain key.
  CHECK(read_text(known) == line);
}
