// Two `hosts:` entries for one hypervisor are told apart by what the hosts
// are (libvirt host UUID, SSH host key), not by their names; HostConnections
// reaches every host once and hands that connection on.

#include "providers/host/host_identity.h"
#include "providers/host/host_connections.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtplan::providers;

namespace {

std::string capabilities_file(const std::string& name) {
  std::ifstream in(std::filesystem::path(VIRTPLAN_SOURCE_DIR) / "tests/providers/data" / name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string capabilities_with_uuid(const std::string& uuid) {
  return "<capabilities><host><uuid>" + uuid + "</uuid></host></capabilities>\n";
}

// A host reached over SSH: it answers `virsh capabilities` with `uuid` and
// shows `key` as its host key.
class FakeSshHost : public FakeTransport {
public:
  FakeSshHost(std::string name, std::string uuid, std::string key)
      : FakeTransport(std::move(name)), m_key(std::move(key)) {
    respond_with([uuid](const Command&) { return CommandOutput{0, capabilities_with_uuid(uuid), ""}; });
  }
  std::string host_key() const override { return m_key; }

private:
  std::string m_key;
};

HostConfig host_entry(const std::string& name) {
  HostConfig config;
  config.name = name;
  config.hostname = "10.0.0.1";
  return config;
}

}  // namespace

TEST_CASE("host identity: the libvirt host UUID comes from virsh capabilities") {
  CHECK(libvirt_host_uuid(capabilities_file("capabilities-tcg.xml")) ==
        "7354d7c3-ecd9-43e0-aff3-168917a23cc0");
  CHECK_FALSE(libvirt_host_uuid("<capabilities><host/></capabilities>").has_value());
}

TEST_CASE("host identity: one hypervisor only when the UUID and (where both have one) the SSH key agree") {
  const HostIdentity hv{"u1", "ssh-ed25519 SHA256:aaa"};
  CHECK(hv.same_hypervisor(HostIdentity{"u1", "ssh-ed25519 SHA256:aaa"}));
  CHECK(hv.same_hypervisor(HostIdentity{"u1", ""}));  // `local`: the UUID decides
  // hosts cloned from one image share their keys; bad firmware shares UUIDs
  CHECK_FALSE(hv.same_hypervisor(HostIdentity{"u2", "ssh-ed25519 SHA256:aaa"}));
  CHECK_FALSE(hv.same_hypervisor(HostIdentity{"u1", "ssh-ed25519 SHA256:bbb"}));
}

TEST_CASE("host identity: each entry repeating another is named with the first entry it repeats") {
  const std::map<std::string, HostIdentity> identities{{"hv1", {"u1", "ssh-ed25519 SHA256:aaa"}},
                                                       {"hv1-by-name", {"u1", "ssh-ed25519 SHA256:aaa"}},
                                                       {"hv1-as-ops", {"u1", "ssh-ed25519 SHA256:aaa"}},
                                                       {"hv2", {"u2", "ssh-ed25519 SHA256:bbb"}}};
  CHECK(same_hypervisor_errors(identities) ==
        std::vector<std::string>{
            "hv1-as-ops: the same hypervisor as host 'hv1' (libvirt host UUID u1; SSH host key ssh-ed25519 "
            "SHA256:aaa): declare each hypervisor once",
            "hv1-by-name: the same hypervisor as host 'hv1' (libvirt host UUID u1; SSH host key ssh-ed25519 "
            "SHA256:aaa): declare each hypervisor once"});
}

TEST_CASE("host connections: two entries reaching one hypervisor are found, each host is connected once") {
  std::map<std::string, HostConfig> hosts{{"hv1", host_entry("hv1")},
                                          {"hv1-by-name", host_entry("hv1-by-name")},
                                          {"hv2", host_entry("hv2")},
                                          {"dead", host_entry("dead")}};
  std::atomic<int> connects{0};
  std::map<std::string, Transport*> made;
  std::mutex made_mutex;
  HostConnections connections(hosts, [&](const HostConfig& config) -> Result<std::unique_ptr<Transport>> {
    connects.fetch_add(1);
    if (config.name == "dead") return fail(ErrorCode::timeout, "dead (10.0.0.1:22): no SSH banner");
    const bool same = config.name.starts_with("hv1");
    auto transport = std::make_unique<FakeSshHost>(
        config.name, same ? "u1" : "u2", same ? "ssh-ed25519 SHA256:aaa" : "ssh-ed25519 SHA256:bbb");
    std::lock_guard lock(made_mutex);
    made[config.name] = transport.get();
    return std::unique_ptr<Transport>(std::move(transport));
  });
  CHECK(connections.same_hypervisor() ==
        std::vector<std::string>{
            "hv1-by-name: the same hypervisor as host 'hv1' (libvirt host UUID u1; SSH host "
            "key ssh-ed25519 SHA256:aaa): declare each hypervisor once"});
  CHECK(connects.load() == 4);
  // hv2's SSH host key is its own: no entry can be its hypervisor, whatever
  // its UUID, so its libvirt is not asked (`capabilities` costs a fresh
  // libvirtd a probe of every QEMU binary); hv1's entries were.
  CHECK(static_cast<const FakeSshHost&>(*made.at("hv2")).commands().empty());
  CHECK_FALSE(static_cast<const FakeSshHost&>(*made.at("hv1")).commands().empty());

  // The connection that was identified is the one handed on.
  auto hv2 = connections.take(hosts.at("hv2"));
  REQUIRE(hv2.has_value());
  const auto& fake = static_cast<const FakeSshHost&>(*made.at("hv2"));
  const std::size_t before = fake.commands().size();
  CHECK((*hv2)->run(Command{{"true"}, std::nullopt, std::chrono::seconds(1)}).has_value());
  CHECK(fake.commands().size() == before + 1);
  CHECK((*hv2)->host_key() == "ssh-ed25519 SHA256:bbb");
  // A host that could not be reached is not tried again: the same error.
  for (int i = 0; i < 2; ++i) {
    auto dead = connections.take(hosts.at("dead"));
    REQUIRE_FALSE(dead.has_value());
    CHECK(dead.error().code() == ErrorCode::timeout);
    CHECK(dead.error().message() == "dead (10.0.0.1:22): no SSH banner");
  }
  CHECK(connects.load() == 4);
}
