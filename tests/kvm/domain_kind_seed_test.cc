// The domain kind and its cloud-init seed volume "<name>-cidata": the domain
// references it (created first, destroyed after), resolve() copies the seed's
// content hash into /cloud_init/seed_sha256 once the seed is derived, and
// to_stack() (import) writes neither that hash nor `wait`, which no host shows.

#include "kvm/domain_kind.h"
#include "tests/kvm/domain_test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace virtplan;
using nlohmann::json;
using providers::StackObject;

namespace {

StackObject seeded_domain() {
  return kvm::test::valid_domain(
      "vcpus: 1\nmemory: 64MiB\ndisks: [{volume: web-root, pool: images}]\n"
      "cloud_init: {user_data: ./web.yaml}\nwait: {ip: true, timeout: 90s}\n");
}

StackObject seed_volume(const std::string& hash) {
  StackObject seed;
  seed.id = {"volume", "web-cidata", "lab1"};
  seed.spec = {{"pool", "images"},
               {"format", "raw"},
               {"cloud_init", {{"user_data", "#cloud-config\n"}, {"sha256", hash}}}};
  return seed;
}

}  // namespace

TEST_CASE("domain kind: the seed volume is a reference of its domain") {
  StackObject web = seeded_domain();
  auto refs = kvm::DomainKind().references(web);
  auto seed = std::find_if(refs.begin(), refs.end(),
                           [](const auto& r) { return r.target.address() == "volume.web-cidata@lab1"; });
  REQUIRE(seed != refs.end());
  CHECK(seed->need == providers::Reference::Need::optional);  // its disk names the pool
}

TEST_CASE("domain kind: resolve copies the derived seed's hash into cloud_init, and again when it changes") {
  StackObject web = seeded_domain();
  const kvm::DomainKind kind;
  kind.resolve(web, {web});
  CHECK_FALSE(web.spec.at("cloud_init").contains(kvm::k_seed_sha256));  // not derived yet
  kind.resolve(web, {web, seed_volume("aa11")});
  CHECK(web.spec.at("cloud_init").at(kvm::k_seed_sha256) == "aa11");
  kind.resolve(web, {web, seed_volume("bb22")});
  CHECK(web.spec.at("cloud_init").at(kvm::k_seed_sha256) == "bb22");
  // The rest of the spec is as one resolve leaves it.
  CHECK(web.spec.at("cloud_init").at("user_data") == "./web.yaml");
}

TEST_CASE("domain kind: to_stack leaves out the seed's hash and wait, and the seed CD-ROM") {
  StackObject web = seeded_domain();
  kvm::DomainKind().resolve(web, {web, seed_volume("aa11")});
  REQUIRE(web.spec.contains("wait"));
  auto yaml = kvm::DomainKind().to_stack(web.spec);
  REQUIRE(yaml);
  CHECK(yaml->at("cloud_init") == json{{"user_data", "./web.yaml"}});
  CHECK_FALSE(yaml->contains("wait"));
  CHECK(yaml->at("disks").size() == 1);
}
