#include "kvm/domain_operations.h"

#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using namespace std::chrono_literals;
using providers::test::FakeVirshHost;

TEST_CASE("operations: each verb is one virsh command naming the domain as an option value", "[operations]") {
  FakeVirshHost host;
  kvm::DomainOperations ops(host.session().virsh(), "web");
  REQUIRE(ops.start());
  REQUIRE(ops.reboot());
  REQUIRE(ops.suspend());
  REQUIRE(ops.resume());
  REQUIRE(ops.save());
  REQUIRE(ops.destroy());
  CHECK(host.ran() == std::vector<std::string>{"start --domain web", "reboot --domain web",
                                               "suspend --domain web", "resume --domain web",
                                               "managedsave --domain web", "destroy --domain web"});
}

TEST_CASE("operations: shutdown waits for power off, forces only when asked", "[operations]") {
  FakeVirshHost host;
  host.then("domstate --domain web", "running\n");
  host.on("domstate --domain web", "shut off\n");
  kvm::DomainOperations ops(host.session().virsh(), "web");
  auto graceful = ops.shutdown(10s, false);
  REQUIRE(graceful);
  CHECK_FALSE(*graceful);

  FakeVirshHost stubborn;
  stubborn.on("domstate --domain web", "running\n");
  kvm::DomainOperations stuck(stubborn.session().virsh(), "web");
  auto refused = stuck.shutdown(0ms, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == providers::ErrorCode::timeout);
  CHECK(refused.error().message() ==
        "domain.web@lab1: asked to shut down, but still running after 0 s; not forced off (add "
        "--force to force it off after the timeout)");
  CHECK(stubborn.ran().back() == "domstate --domain web");
  auto forced = stuck.shutdown(0ms, true);
  REQUIRE(forced);
  CHECK(*forced);
  CHECK(stubborn.ran().back() == "destroy --domain web");
}

TEST_CASE("operations: restore needs a managed save image", "[operations]") {
  FakeVirshHost host;
  host.then("dominfo --domain web", "Name:           web\nManaged save:   no\n");
  host.then("dominfo --domain web", "Name:           web\nManaged save:   yes\n");
  kvm::DomainOperations ops(host.session().virsh(), "web");
  auto none = ops.restore();
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == providers::ErrorCode::not_found);
  CHECK(none.error().message().starts_with("domain.web@lab1: not restored: it has no managed save image"));
  REQUIRE(ops.restore());
  CHECK(host.ran().back() == "start --domain web");
}

TEST_CASE("operations: a failure says which domain, where, and what was not done", "[operations]") {
  FakeVirshHost host;
  host.fail("start --domain web", "error: failed to get domain 'web'\n");
  kvm::DomainOperations ops(host.session().virsh(), "web");
  auto started = ops.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().code() == providers::ErrorCode::not_found);
  CHECK(started.error().message().starts_with("domain.web@lab1: not started: lab1: virsh start"));
}
