// virtplan(1) (cli/man_page.h) against --help: both come from the CLI11
// definitions, so every subcommand and every option --help lists must be in
// the manual, and the manual must be roff that groff reads without warnings.

#include "tests/support/virtplan_process.h"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

namespace {

using virtplan::test::run_virtplan;

// The manual as a reader sees it: roff's \- is a plain hyphen.
std::string plain(std::string roff) {
  std::string out;
  for (std::size_t i = 0; i < roff.size(); ++i) {
    if (roff.compare(i, 2, "\\-") == 0) {
      out += '-';
      ++i;
    } else {
      out += roff[i];
    }
  }
  return out;
}

std::set<std::string> long_options(const std::string& help) {
  static const std::regex k_option("--[a-z][a-z-]*");
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(help.begin(), help.end(), k_option); it != std::sregex_iterator(); ++it)
    found.insert(it->str());
  return found;
}

std::set<std::string> subcommands(const std::string& help) {
  std::set<std::string> found;
  const auto at = help.find("Subcommands:");
  REQUIRE(at != std::string::npos);
  static const std::regex k_row(R"(\n  ([a-z]+)\s)");
  for (auto it = std::sregex_iterator(help.begin() + static_cast<long>(at), help.end(), k_row);
       it != std::sregex_iterator(); ++it)
    found.insert((*it)[1].str());
  return found;
}

TEST_CASE("the manual has every subcommand and option that --help lists") {
  const auto man = run_virtplan("man");
  REQUIRE(man.status == 0);
  const std::string text = plain(man.output);
  const auto help = run_virtplan("--help");
  const std::set<std::string> commands = subcommands(help.output);
  CHECK(commands.contains("plan"));
  CHECK(commands.contains("man"));
  for (const auto& command : commands) {
    INFO(command);
    CHECK(text.find(".SS \"virtplan " + command + "\"") != std::string::npos);
    for (const auto& option : long_options(run_virtplan(command + " --help").output)) {
      INFO(option);
      CHECK(text.find(option) != std::string::npos);
    }
  }
}

TEST_CASE("groff reads the manual without a warning") {
  const auto run = run_virtplan("man | groff -man -Tutf8 -ww -z 2>&1");
  CHECK(run.output.empty());
}

}  // namespace
