// The stack lock as the help of each command that takes it describes it: the
// lock is held by any apply, destroy, import, domain operation or Ansible
// run of the stack (not only "another apply"), and a refusal names the
// holder, as providers::StackLock's message does.

#include "cli/lock_wait_option.h"

#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include <string>

namespace virtplan::cli {
namespace {

using Catch::Contains;

// What `virtplan NAME --help` prints, from the command's own setup.
std::string help_of(const std::string& name, SubcommandRunner (*setup)(CLI::App&)) {
  CLI::App app{"virtplan"};
  CLI::App* command = app.add_subcommand(name, "");
  setup(*command);
  return command->help();
}

void check_names_every_holder(const std::string& text) {
  CHECK_THAT(text, Contains("an apply, destroy or import of the stack"));
  CHECK_THAT(text, Contains("a `virtplan domain` operation on one of its domains"));
  CHECK_THAT(text, Contains("the Ansible module"));
  CHECK_THAT(text, Contains("naming the command that holds it") || Contains("naming that command"));
  CHECK_THAT(text, !Contains("another apply"));
}

TEST_CASE("apply's and destroy's --lock-wait say which commands hold the stack's lock") {
  for (const auto& [name, setup] : {std::pair{"apply", &setup_apply}, std::pair{"destroy", &setup_destroy}}) {
    INFO(name);
    CLI::App app{"virtplan"};
    CLI::App* command = app.add_subcommand(name, "");
    setup(*command);
    const CLI::Option* option = command->get_option("--lock-wait");
    const std::string help = option->get_description();
    CHECK_THAT(help, Contains("seconds to wait while another command holds the stack's lock on a host"));
    CHECK_THAT(help, Contains("default 0: fail at once"));
    check_names_every_holder(help);
    CHECK_THAT(help_of(name, setup), Contains(help));
  }
}

TEST_CASE("import's and domain's help say they take the stack's lock without waiting, and who can hold it") {
  const std::string import = help_of("import", &setup_import);
  CHECK_THAT(import,
             Contains("Takes the stack's lock on the host without waiting: while another command holds it"));
  CHECK_THAT(import, Contains("changes nothing"));
  check_names_every_holder(import);
  CHECK_THAT(import, !Contains("--lock-wait"));

  const std::string domain = help_of("domain", &setup_domain);
  CHECK_THAT(domain,
             Contains("Takes the stack's lock on the host without waiting (snapshot-list takes none)"));
  check_names_every_holder(domain);
}

TEST_CASE("lock-wait option: takes 0 to 86400 seconds") {
  int seconds = -1;
  CLI::App app{"virtplan"};
  add_lock_wait_option(app, seconds);
  app.parse(std::vector<std::string>{"30", "--lock-wait"});
  CHECK(seconds == 30);
  CHECK_THROWS_AS(app.parse(std::vector<std::string>{"86401", "--lock-wait"}), CLI::ValidationError);
}

}  // namespace
}  // namespace virtplan::cli
