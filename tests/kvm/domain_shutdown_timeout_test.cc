// `shutdown_timeout: 30s` on a domain: how long apply waits for a graceful
// shutdown (restart, `state: stopped`) before forcing the domain off. Read
// from the stack as a duration, kept in the owner metadata so it reads back
// without a diff, no impact on the guest when it changes; and a guest that
// ignores the request is forced off after it, which apply says.

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_stack_writer.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

using namespace virtplan;
using kvm::test::messages;
using kvm::test::parse_domain;
using nlohmann::json;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

TEST_CASE("shutdown_timeout reads seconds or minutes, and absent means the 60 s default") {
  providers::Diagnostics diags;
  auto seconds = parse_domain("memory: 256MiB\nshutdown_timeout: 5s\n", diags);
  auto minutes = parse_domain("memory: 256MiB\nshutdown_timeout: 2m\n", diags);
  auto bare = parse_domain("memory: 256MiB\nshutdown_timeout: 45\n", diags);
  auto none = parse_domain("memory: 256MiB\n", diags);
  REQUIRE(messages(diags) == "");
  CHECK(seconds.spec.at("shutdown_timeout") == 5);
  CHECK(minutes.spec.at("shutdown_timeout") == 120);
  CHECK(bare.spec.at("shutdown_timeout") == 45);
  CHECK_FALSE(none.spec.contains("shutdown_timeout"));
  CHECK(kvm::DomainTiming{}.shutdown_timeout == std::chrono::seconds(60));
}

TEST_CASE("a bad shutdown_timeout is an error at its file:line:col") {
  providers::Diagnostics diags;
  parse_domain("memory: 256MiB\nshutdown_timeout: soon\n", diags);
  parse_domain("memory: 256MiB\nshutdown_timeout: 0s\n", diags);
  parse_domain("memory: 256MiB\nshutdown_timeout: 2h\n", diags);
  CHECK(
      messages(diags) ==
      "stack.yaml:2:19: domain.web: shutdown_timeout '0s': expected seconds from 1s to 3600s (as 120s or 2m)\n"
      "stack.yaml:2:19: domain.web: shutdown_timeout '2h': expected seconds from 1s to 3600s (as 120s or 2m)\n"
      "stack.yaml:2:19: domain.web: shutdown_timeout 'soon': expected seconds from 1s to 3600s (as 120s or 2m)\n");
}

TEST_CASE("shutdown_timeout round-trips through the owner metadata and changing it has no impact") {
  providers::Diagnostics diags;
  auto object = parse_domain("memory: 256MiB\nvirt_type: qemu\nshutdown_timeout: 90s\n", diags);
  REQUIRE(messages(diags) == "");
  kvm::DomainKind kind;
  auto xml = kind.create_xml(object);
  REQUIRE(xml);
  CHECK(xml->find("shutdown-timeout=\"90\"") != std::string::npos);
  auto observed = kind.parse_xml(*xml);
  REQUIRE(observed);
  CHECK(observed->at("shutdown_timeout") == 90);
  CHECK(kvm::domain_to_stack(*observed)->at("shutdown_timeout") == "90s");

  auto plain = kind.create_xml(parse_domain("memory: 256MiB\nvirt_type: qemu\n", diags));
  REQUIRE(plain);
  CHECK(plain->find("shutdown-timeout") == std::string::npos);
  CHECK_FALSE(kind.parse_xml(*plain)->contains("shutdown_timeout"));

  CHECK(kind.impact("/shutdown_timeout", 90, 30) == providers::Impact::none);
  CHECK(kind.impact("/shutdown_timeout", nullptr, 30) == providers::Impact::none);
}

TEST_CASE(
    "state stopped: a guest that ignores the shutdown is forced off after its shutdown_timeout, and apply says so",
    "[actuator]") {
  providers::Diagnostics diags;
  auto before = parse_domain("memory: 128MiB\nvirt_type: qemu\nshutdown_timeout: 1s\n", diags);
  auto after = parse_domain("memory: 128MiB\nvirt_type: qemu\nshutdown_timeout: 1s\nstate: stopped\n", diags);
  REQUIRE(messages(diags) == "");
  auto xml = kvm::DomainKind().create_xml(before);
  REQUIRE(xml);
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");  // it never goes down by itself
  host.on("dumpxml --inactive --security-info --domain web", *xml);
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = {{"/state", "running", "stopped", providers::Impact::live}};
  kvm::DomainTiming timing;  // 60 s by default: the spec's 1 s must win
  timing.poll_interval = std::chrono::milliseconds(50);
  const auto started = std::chrono::steady_clock::now();
  auto done = kvm::DomainActuator(timing).update(step, host.session());
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(done);
  CHECK(done->warnings == Lines{"stopped: the guest did not shut down within 1 s and was forced off"});
  CHECK(took >= std::chrono::seconds(1));
  CHECK(took < std::chrono::seconds(10));
  REQUIRE(host.ran().size() >= 5);
  CHECK(host.ran()[2] == "shutdown --domain web");
  CHECK(host.ran().back() == "destroy --domain web");
}

TEST_CASE("state stopped: a guest that shuts down in time is not forced and no warning is given",
          "[actuator]") {
  providers::Diagnostics diags;
  auto before = parse_domain("memory: 128MiB\nvirt_type: qemu\n", diags);
  auto after = parse_domain("memory: 128MiB\nvirt_type: qemu\nstate: stopped\n", diags);
  REQUIRE(messages(diags) == "");
  FakeVirshHost host;
  host.then("domstate --domain web", "running\n");
  host.on("domstate --domain web", "shut off\n");
  host.on("dumpxml --inactive --security-info --domain web", *kvm::DomainKind().create_xml(before));
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = {{"/state", "running", "stopped", providers::Impact::live}};
  auto done = kvm::DomainActuator().update(step, host.session());
  REQUIRE(done);
  CHECK(done->warnings.empty());
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "shutdown --domain web", "domstate --domain web"});
}
