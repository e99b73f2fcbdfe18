// A domain's power state is decided by one rule, read by the plan (the
// domain reader's listings) and by apply (`virsh domstate` before a step):
// shut off is stopped, paused is paused, and every other libvirt state has a
// live QEMU and is running. Were a pmsuspended guest stopped for the plan
// and running for apply, `state: running` would plan a start that apply
// never makes, and the plan would never be empty.

#include "kvm/domain_power.h"
#include "kvm/domain_reader.h"
#include "tests/kvm/domain_test_support.h"

#include "tests/support/scripted_round.h"

#include <catch2/catch.hpp>

#include <map>

using namespace virtplan;
using providers::VirshArgs;

namespace {

std::string domain_xml(const std::string& name) {
  providers::Diagnostics diags;
  return kvm::test::created_xml(kvm::test::parse_domain("memory: 128MiB\nvirt_type: qemu\n", diags, name));
}

}  // namespace

TEST_CASE(
    "domain power state: the plan's reading and apply's domstate follow one rule for every libvirt state") {
  // Each domain, named after its state as `virsh domstate` prints it.
  const std::map<std::string, std::string> domstate = {
      {"up", "running"},      {"idle", "idle"},   {"stopping", "in shutdown"}, {"sleeping", "pmsuspended"},
      {"crashed", "crashed"}, {"held", "paused"}, {"off", "shut off"},
  };
  auto reading = kvm::DomainReader().start({});
  auto first = reading->next_round({});
  const VirshArgs shut_off{"list", "--all", "--name", "--state-shutoff"};
  const VirshArgs paused{"list", "--name", "--state-paused"};
  REQUIRE(std::find(first.begin(), first.end(), shut_off) != first.end());
  REQUIRE(std::find(first.begin(), first.end(), paused) != first.end());
  std::string all;
  for (const auto& [name, state] : domstate) all += name + "\n";
  auto second = reading->next_round(test::answer_round(
      first, {{VirshArgs{"list", "--all", "--name"}, all}, {shut_off, "off\n"}, {paused, "held\n"}}));
  std::map<VirshArgs, std::string> dumps;
  for (const VirshArgs& dump : second) dumps[dump] = domain_xml(dump.back());
  REQUIRE(second.size() == domstate.size());
  CHECK(reading->next_round(test::answer_round(second, dumps)).empty());
  auto objects = reading->finish();
  REQUIRE(objects);
  REQUIRE(objects->size() == domstate.size());

  std::map<std::string, std::string> planned;
  for (const providers::ReadObject& object : *objects) {
    const std::string read = object.spec.at("state");
    INFO(object.name << " (" << domstate.at(object.name) << ")");
    CHECK(read == kvm::power_state_name(kvm::power_state_from_domstate(domstate.at(object.name))));
    planned[object.name] = read;
  }
  CHECK(planned == std::map<std::string, std::string>{{"crashed", "running"},
                                                      {"held", "paused"},
                                                      {"idle", "running"},
                                                      {"off", "stopped"},
                                                      {"sleeping", "running"},
                                                      {"stopping", "running"},
                                                      {"up", "running"}});
}
