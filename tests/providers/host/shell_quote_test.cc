#include "providers/host/shell_quote.h"
#include "providers/host/local_transport.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include <unistd.h>

using namespace virtplan::providers;

namespace {

Command shell_command(std::vector<std::string> argv) {
  Command command;
  command.argv = std::move(argv);
  return command;
}

std::vector<std::string> hostile_corpus(const std::string& pwned) {
  return {
      "",
      " ",
      "plain",
      "two words",
      "it's",
      "'",
      "''",
      "'\\''",
      "\"double\"",
      "a;b",
      "; rm -rf /nonexistent",
      "a|b",
      "a && b",
      "a || b",
      "$(touch " + pwned + "-dollar)",
      "`touch " + pwned + "-backtick`",
      "'$(touch " + pwned + "-quoted)'",
      "\"$(touch " + pwned + "-dq)\"",
      "$HOME",
      "${HOME}",
      "$((1+1))",
      "line1\nline2",
      "\n",
      "tab\there",
      "-n",
      "--help",
      "-e \\n",
      "caf\xc3\xa9 \xe2\x98\x83",
      "*",
      "?",
      "[a-z]",
      "/*",
      "a b  c   d",
      "back\\slash",
      "\\",
      "\\'",
      "~",
      "~root",
      "#comment",
      "a#b",
      "\x7f",
      "\x01\x02\x1b[31m",
      "=ls",
      "!!",
      "{a,b}",
      "<in >out 2>&1",
      "%s %d",
  };
}

}  // namespace

TEST_CASE("shell_quote: known forms", "[shell]") {
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("web-01.example/x:1") == "web-01.example/x:1");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("~") == "'~'");
  CHECK(shell_quote("=ls") == "'=ls'");
  CHECK(shell_join({"virsh", "-c", "qemu:///system", "dominfo", "my vm"}) ==
        "virsh -c qemu:///system dominfo 'my vm'");
  CHECK(shell_join({}) == "");
  CHECK(shell_join({""}) == "''");
}

TEST_CASE("shell_quote: hostile words come through /bin/sh byte for byte", "[shell]") {
  LocalTransport local;
  std::string pwned = "/tmp/vp-pwned-" + std::to_string(::getpid());
  for (const auto& word : hostile_corpus(pwned)) {
    INFO("word: " << word);
    auto output = local.run(shell_command({"/bin/sh", "-c", "printf %s " + shell_quote(word)}));
    REQUIRE(output.has_value());
    CHECK(output->exit_status == 0);
    CHECK(output->out == word);
  }
  // And all at once as separate arguments, counted by the shell.
  auto all = hostile_corpus(pwned);
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), all.begin(), all.end());
  auto joined = local.run(shell_command({"/bin/sh", "-c", shell_join(argv)}));
  REQUIRE(joined.has_value());
  std::string expected;
  for (const auto& word : all) {
    expected += word;
    expected += '\0';
  }
  CHECK(joined->out == expected);
  for (const char* suffix : {"-dollar", "-backtick", "-quoted", "-dq"}) {
    CHECK_FALSE(std::filesystem::exists(pwned + suffix));
  }
}
