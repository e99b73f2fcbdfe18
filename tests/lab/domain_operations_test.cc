// Lifecycle operations over real SSH on a small TCG domain with no guest OS:
// start, suspend, resume, reboot, managed save and restore, a shutdown the
// guest ignores (refused without --force, forced with it), destroy.

#include "kvm/domain_operations.h"
#include "providers/host/shell_quote.h"
#include "providers/host/ssh_transport.h"
#include "providers/virsh/runner.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/scratch_domain.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace virtplan;
using namespace std::chrono_literals;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

// 64 MiB, no disk: SeaBIOS finds nothing to boot and the domain just runs.
constexpr std::string_view k_operations_domain = "vp-operations-test";

std::string must(const providers::Result<std::string>& state) {
  INFO((state ? std::string() : state.error().message()));
  REQUIRE(state);
  return *state;
}

void must(const providers::Result<void>& done) {
  INFO((done ? std::string() : done.error().message()));
  REQUIRE(done);
}

}  // namespace

TEST_CASE("domain operations over ssh: every lifecycle verb on a real domain", "[operations]") {
  const LabEnv lab = require_lab(1);
  virtplan::lab::remove_scratch_domain(lab, k_operations_domain);
  auto transport = providers::SshTransport::create(lab.host_config(0));
  REQUIRE(transport);
  providers::VirshRunner virsh(**transport, "qemu:///system");
  REQUIRE(virsh.run({"define", "/dev/stdin"},
                    virtplan::lab::scratch_domain_xml(k_operations_domain, std::nullopt)));
  kvm::DomainOperations ops(virsh, std::string(k_operations_domain));
  const std::string where = "domain.vp-operations-test@" + lab.hosts[0].name;

  CHECK(must(ops.state()) == "shut off");
  must(ops.start());
  CHECK(must(ops.state()) == "running");
  must(ops.suspend());
  CHECK(must(ops.state()) == "paused");
  must(ops.resume());
  CHECK(must(ops.state()) == "running");
  must(ops.reboot());
  CHECK(must(ops.state()) == "running");

  // Managed save: stopped with an image; restore runs it again from there.
  must(ops.save());
  CHECK(must(ops.state()) == "shut off");
  const std::string image_line =
      "virsh -q dominfo --domain " + std::string(k_operations_domain) + " | grep '^Managed save:'";
  CHECK(lab.run_in(0, image_line).ends_with("yes\n"));
  must(ops.restore());
  CHECK(must(ops.state()) == "running");
  CHECK(lab.run_in(0, image_line).ends_with("no\n"));
  auto no_image = ops.restore();
  REQUIRE_FALSE(no_image);
  CHECK(no_image.error().message().starts_with(where + ": not restored: it has no managed save"));

  // Nothing in the guest answers ACPI: refused without force, forced with it.
  auto refused = ops.shutdown(2s, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == providers::ErrorCode::timeout);
  CHECK(must(ops.state()) == "running");
  auto forced = ops.shutdown(2s, true);
  REQUIRE(forced);
  CHECK(*forced);
  CHECK(must(ops.state()) == "shut off");

  must(ops.start());
  must(ops.destroy());
  CHECK(must(ops.state()) == "shut off");
  auto again = ops.destroy();
  REQUIRE_FALSE(again);
  CHECK(again.error().message().starts_with(where + ": not forced off: "));

  kvm::DomainOperations missing(virsh, "vp-no-such-domain");
  auto absent = missing.start();
  REQUIRE_FALSE(absent);
  CHECK(absent.error().code() == providers::ErrorCode::not_found);
  virtplan::lab::remove_scratch_domain(lab, k_operations_domain);
}
