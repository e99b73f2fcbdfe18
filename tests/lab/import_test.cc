// `virtplan import` against a real lab host: objects made by hand with virsh
// (a pool, a volume, a network, a domain) give the plan's import error; after
// importing each and adding the printed YAML to the stack, the plan is empty.
// An object owned by another stack is refused, naming it.

#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"

#include <fmt/format.h>

#include <fstream>

using virtplan::lab::HandMade;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("import adopts hand-made objects and the plan is then empty") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("i{}", getpid() % 100000));
  made.remove(env);
  made.create(env);
  const std::string stack = "imp-" + made.tag;
  const auto dir = HandMade::stack_dir(env, stack);
  const std::string host = env.hosts[0].name;

  // Declared but not owned: the plan refuses and names import.
  std::ofstream(dir / "declared.yaml") << fmt::format(
      "pools:\n  {0}: {{host: {1}, type: dir, path: /var/lib/virtplan/{0}}}\n", made.pool, host);
  const auto refused = run_virtplan("plan -f " + shell_quote(dir.string()));
  CHECK(refused.status == 1);
  CHECK(refused.output.find("virtplan import " + made.address("pool", env)) != std::string::npos);
  std::filesystem::remove(dir / "declared.yaml");

  // Import each; its YAML (stdout) goes into the stack dir as its own file.
  for (const char* kind : {"pool", "volume", "network", "domain"}) {
    const std::string address = made.address(kind, env);
    const auto errors = dir / (std::string(kind) + ".err");
    const auto imported = virtplan::lab::virtplan_stdout(
        "import " + shell_quote(address) + " -f " + shell_quote(dir.string()), errors);
    INFO(address << "\nstdout:\n" << imported.output << "stderr:\n" << read_text(errors));
    REQUIRE(imported.status == 0);
    CHECK(read_text(errors).find(address + ": now owned by stack '" + stack + "'") != std::string::npos);
    CHECK(imported.output.find("host: " + host) != std::string::npos);
    std::ofstream(dir / (std::string(kind) + ".yaml")) << imported.output;
    std::filesystem::remove(errors);
  }
  CHECK(read_text(dir / "volume.yaml").find("capacity: 16MiB") != std::string::npos);
  CHECK(read_text(dir / "domain.yaml").find("memory: 128MiB") != std::string::npos);
  CHECK(read_text(dir / "domain.yaml").find("state: stopped") != std::string::npos);

  const auto plan = run_virtplan("plan --detailed-exitcode -f " + shell_quote(dir.string()));
  INFO(plan.output);
  CHECK(plan.status == 0);
  CHECK(plan.output.find("No changes: 4 objects up to date.") != std::string::npos);

  // Importing again only prints the YAML.
  const auto again =
      run_virtplan("import " + shell_quote(made.address("pool", env)) + " -f " + shell_quote(dir.string()));
  CHECK(again.status == 0);
  CHECK(again.output.find("already owned by stack '" + stack + "'") != std::string::npos);

  // Another stack may not take what this one owns (domains and networks carry the marker).
  const auto other = HandMade::stack_dir(env, "other-" + made.tag);
  const auto taken = run_virtplan("import " + shell_quote(made.address("network", env)) + " -f " +
                                  shell_quote(other.string()));
  CHECK(taken.status == 1);
  CHECK(taken.output.find(made.address("network", env) + ": owned by stack '" + stack + "'") !=
        std::string::npos);

  // A host the stack does not declare.
  const auto unknown = run_virtplan("import " + shell_quote("pool." + made.pool + "@nowhere") + " -f " +
                                    shell_quote(dir.string()));
  CHECK(unknown.status == 1);
  CHECK(unknown.output.find("the stack does not declare host 'nowhere'") != std::string::npos);

  made.remove(env);
  env.run_in(0, "rm -f /var/lib/virtplan/ledger/" + stack + ".json");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other);
}
