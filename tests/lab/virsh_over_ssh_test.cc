// virsh as the wire protocol over real SSH: each lab host's SshTransport
// reaches that host's libvirt only, and a batched read gives one result per
// command, a failure in the middle included.

#include "providers/host/ssh_transport.h"
#include "providers/virsh/list_dump_reading.h"
#include "providers/virsh/runner.h"
#include "tests/lab/lab_fixture.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace virtplan::providers;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

std::unique_ptr<SshTransport> connect_to(const HostConfig& config) {
  auto transport = SshTransport::create(config);
  REQUIRE(transport);
  return std::move(*transport);
}

// A name no other test, or a parallel run of this one, uses.
std::string unique_name(const std::string& what) { return fmt::format("vp-ssh-{}-{}", what, getpid()); }

// The smallest domain libvirt defines: TCG, no disk, no <cpu>. A fixed test
// document; the name is a plain word.
std::string tiny_domain_xml(const std::string& name) {
  return fmt::format(
      "<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory>"
      "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
      "<devices/></domain>",
      name);
}

// Defines a domain on one host over SSH and undefines it from inside the host
// when the test ends, pass or fail, so a broken transport cannot leave it.
class ScopedDomain {
public:
  ScopedDomain(const LabEnv& env, std::size_t host, const VirshRunner& virsh, std::string name)
      : m_env(env), m_host(host), m_name(std::move(name)) {
    auto defined = virsh.run({"define", "/dev/stdin"}, tiny_domain_xml(m_name));
    INFO((defined ? std::string() : defined.error().message()));
    REQUIRE(defined);
  }
  ~ScopedDomain() {
    try {
      m_env.run_in(m_host, "virsh -q -c qemu:///system undefine --domain " + m_name + " >/dev/null");
    } catch (...) {
      // Already gone: the test undefined it itself or never got to define it.
    }
  }
  const std::string& name() const { return m_name; }

private:
  const LabEnv& m_env;
  std::size_t m_host;
  std::string m_name;
};

// A name listing's names, read as the readers read one (parse_name_list).
std::vector<std::string> names_in(const std::string& listing) {
  const auto names = parse_name_list(listing);
  return {names.begin(), names.end()};
}

}  // namespace

TEST_CASE("each host sees only its own libvirt over SSH") {
  const LabEnv env = require_lab(2);
  auto first_transport = connect_to(env.host_config(0));
  auto second_transport = connect_to(env.host_config(1));
  const VirshRunner first(*first_transport, "qemu:///system");
  const VirshRunner second(*second_transport, "qemu:///system");
  ScopedDomain on_first(env, 0, first, unique_name("first"));
  ScopedDomain on_second(env, 1, second, unique_name("second"));

  auto first_list = first.run({"list", "--all", "--name"});
  auto second_list = second.run({"list", "--all", "--name"});
  REQUIRE(first_list);
  REQUIRE(second_list);
  using Catch::Matchers::VectorContains;
  CHECK_THAT(names_in(*first_list), VectorContains(on_first.name()));
  CHECK_THAT(names_in(*first_list), !VectorContains(on_second.name()));
  CHECK_THAT(names_in(*second_list), VectorContains(on_second.name()));
  CHECK_THAT(names_in(*second_list), !VectorContains(on_first.name()));
  // And from inside each host, without SSH: the same picture.
  CHECK_THAT(names_in(env.run_in(1, "virsh -q -c qemu:///system list --all --name")),
             !VectorContains(on_first.name()));
}

TEST_CASE("a batched virsh read over SSH gives one result per command, a failure in the middle") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(0));
  const VirshRunner virsh(*transport, "qemu:///system");
  ScopedDomain domain(env, 0, virsh, unique_name("batch"));
  const std::string missing = unique_name("missing");

  const auto results = virsh.batch({
      {"dominfo", "--domain", domain.name()},
      {"dumpxml", "--domain", missing},
      {"dumpxml", "--inactive", "--domain", domain.name()},
      {"domstate", "--domain", domain.name()},
  });
  REQUIRE(results.size() == 4);
  REQUIRE(results[0]);
  CHECK_THAT(*results[0], Catch::Contains(domain.name()));
  REQUIRE_FALSE(results[1]);
  CHECK_THAT(results[1].error().message(), Catch::Contains(missing));
  REQUIRE(results[2]);
  CHECK_THAT(*results[2], Catch::Contains("<name>" + domain.name() + "</name>"));
  REQUIRE(results[3]);
  CHECK_THAT(*results[3], Catch::Contains("shut off"));
  CHECK(transport->sessions_opened() == 1);
}

TEST_CASE("many virsh reads at once share the host's one session") {
  const LabEnv env = require_lab(2);
  auto transport = connect_to(env.host_config(1));
  const VirshRunner virsh(*transport, "qemu:///system");
  std::vector<std::future<Result<std::string>>> reads;
  for (int i = 0; i < 16; ++i) {
    reads.push_back(std::async(std::launch::async, [&virsh] { return virsh.run({"hostname"}); }));
  }
  for (auto& read : reads) {
    auto output = read.get();
    INFO((output ? std::string() : output.error().message()));
    REQUIRE(output);
    CHECK(*output == env.hosts[1].name + "\n");
  }
  CHECK(transport->sessions_opened() == 1);
}
