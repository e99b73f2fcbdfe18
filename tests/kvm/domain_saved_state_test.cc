// What a destroy deletes with a domain besides its definition: DomainReader
// reads it (managed save and snapshots from its listings, the snapshot count
// from `snapshot-list` of only the domains that have some, NVRAM from the
// XML) in its usual two rounds, and DomainKind names it for the plan's DATA
// LOSS line.

#include "kvm/domain_saved_state.h"
#include "kvm/domain_kind.h"
#include "kvm/domain_reader.h"
#include "tests/kvm/domain_test_support.h"

#include "tests/support/scripted_round.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace virtplan;
using nlohmann::json;
using providers::Result;
using providers::VirshArgs;

namespace {

using Losses = std::vector<std::string>;

std::string saved_state_xml(const std::string& name, bool nvram) {
  providers::Diagnostics diags;
  auto object = kvm::test::parse_domain("memory: 128MiB\nvirt_type: qemu\n", diags, name);
  std::string xml = kvm::test::created_xml(object);
  if (nvram) {
    const auto os_end = xml.find("</os>");
    REQUIRE(os_end != std::string::npos);
    xml.insert(os_end, "<nvram>/var/lib/libvirt/qemu/nvram/" + name + "_VARS.fd</nvram>");
  }
  return xml;
}

}  // namespace

TEST_CASE("domain saved state: the losses are named in a fixed order, none when there is no saved state") {
  CHECK(kvm::saved_state_losses(json::object()).empty());
  CHECK(kvm::saved_state_losses(json{{"saved_state", {{"snapshots", 1}}}}) == Losses{"1 snapshot"});
  CHECK(kvm::saved_state_losses(
            json{{"saved_state", {{"snapshots", 3}, {"managed_save", true}, {"nvram", "/x"}}}}) ==
        Losses{"managed save", "NVRAM", "3 snapshots"});
  CHECK(kvm::DomainKind().lost_state(json{{"saved_state", {{"managed_save", true}}}}) ==
        Losses{"managed save"});
}

TEST_CASE("domain saved state: the NVRAM file is the one <os><nvram> names") {
  CHECK(kvm::nvram_path(saved_state_xml("web", false)).value() == std::nullopt);
  CHECK(kvm::nvram_path(saved_state_xml("web", true)).value() == "/var/lib/libvirt/qemu/nvram/web_VARS.fd");
  CHECK_FALSE(kvm::nvram_path("<domain").has_value());
}

TEST_CASE(
    "domain saved state: a UEFI domain whose firmware libvirt chooses has NVRAM though its XML names none") {
  providers::Diagnostics diags;
  auto object = kvm::test::parse_domain("memory: 128MiB\nvirt_type: qemu\nfirmware: uefi\n", diags, "efi");
  const std::string xml = kvm::test::created_xml(object);
  auto spec = kvm::DomainKind().parse_xml(xml);
  REQUIRE(spec);
  CHECK(kvm::nvram_of(xml, *spec).value() == json(true));
  CHECK(kvm::nvram_of(saved_state_xml("web", false), json{{"firmware", "bios"}}).value().is_null());
  json observed = *spec;
  kvm::add_saved_state(observed, false, kvm::nvram_of(xml, *spec).value(), 0);
  CHECK(kvm::saved_state_losses(observed) == Losses{"NVRAM"});
}

TEST_CASE(
    "domain reader: managed save, NVRAM and snapshot counts in two rounds, snapshot lists only where there are "
    "snapshots") {
  auto reading = kvm::DomainReader().start({});
  const VirshArgs all{"list", "--all", "--name"};
  const VirshArgs managed{"list", "--all", "--name", "--with-managed-save"};
  const VirshArgs snapshotted{"list", "--all", "--name", "--with-snapshot"};
  auto first = reading->next_round({});
  CHECK(std::find(first.begin(), first.end(), managed) != first.end());
  CHECK(std::find(first.begin(), first.end(), snapshotted) != first.end());

  auto second = reading->next_round(
      test::answer_round(first, {{all, "plain\nsaved\n"}, {managed, "saved\n"}, {snapshotted, "saved\n"}}));
  const VirshArgs snapshots{"snapshot-list", "--domain", "saved", "--name"};
  CHECK(second == std::vector<VirshArgs>{{"dumpxml", "--inactive", "--security-info", "--domain", "plain"},
                                         {"dumpxml", "--inactive", "--security-info", "--domain", "saved"},
                                         snapshots});
  CHECK(reading
            ->next_round(test::answer_round(second, {{second[0], saved_state_xml("plain", false)},
                                                     {second[1], saved_state_xml("saved", true)},
                                                     {snapshots, "one\ntwo\nthree\n"}}))
            .empty());
  auto objects = reading->finish();
  REQUIRE(objects);
  REQUIRE(objects->size() == 2);
  CHECK_FALSE((*objects)[0].spec.contains("saved_state"));
  CHECK((*objects)[1].spec["saved_state"] == json{{"managed_save", true},
                                                  {"nvram", "/var/lib/libvirt/qemu/nvram/saved_VARS.fd"},
                                                  {"snapshots", 3}});
  CHECK(kvm::DomainKind().lost_state((*objects)[1].spec) == Losses{"managed save", "NVRAM", "3 snapshots"});
}
