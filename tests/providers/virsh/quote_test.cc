#include "providers/virsh/quote.h"
#include "providers/host/local_transport.h"
#include "providers/virsh/runner.h"

#include <catch2/catch.hpp>

using namespace virtplan::providers;

TEST_CASE("virsh_quote: known forms", "[virsh]") {
  CHECK(virsh_quote("web-01") == "web-01");
  CHECK(virsh_quote("--domain=x") == "'--domain=x'");
  CHECK(virsh_quote("") == "''");
  CHECK(virsh_quote("a b") == "'a b'");
  CHECK(virsh_quote("a;b") == "'a;b'");
  CHECK(virsh_quote("it's") == "'it'\\''s'");
  CHECK(virsh_quote("#x") == "'#x'");
  CHECK(virsh_join({"dominfo", "--domain", "my vm"}) == "dominfo --domain 'my vm'");
}

TEST_CASE("virsh_quote: hostile words come through virsh's own parser byte for byte", "[virsh][real]") {
  const std::vector<std::string> corpus = {
      "plain",
      " ",
      "two words",
      "it's",
      "'",
      "''",
      "\"",
      "\"double\"",
      "a;b",
      "; list",
      "a|b",
      "a && b",
      "$(touch /tmp/vp-pwned-virsh)",
      "`touch /tmp/vp-pwned-virsh`",
      "$HOME",
      "line1\nline2",
      "\n",
      "tab\there",
      "-n",
      "caf\xc3\xa9",
      "*",
      "?",
      "[a-z]",
      "back\\slash",
      "\\",
      "\\'",
      "\\\n",
      "~",
      "#comment",
      "a#b",
      "\x7f",
      "a b  c   d",
      "'\\''",
      "x=y",
      "--help\n",  // starts with "--" only after quoting would be stripped: it is a value here
  };
  LocalTransport local;
  VirshRunner virsh(local, "test:///default");
  std::vector<std::vector<std::string>> commands;
  for (const auto& word : corpus) {
    commands.push_back({"echo", "--", word});
  }
  auto results = virsh.batch(commands);
  REQUIRE(results.size() == corpus.size());
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    INFO("word: " << corpus[i]);
    REQUIRE(results[i].has_value());
    CHECK(*results[i] == corpus[i]);
  }
}
