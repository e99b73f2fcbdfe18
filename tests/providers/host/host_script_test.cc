// host_script_argv(): constant code, values as arguments, sudo when asked.

#include "providers/host/host_script.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

using Argv = std::vector<std::string>;

TEST_CASE("a host script runs in sh -c with its name as $0 and its values as arguments") {
  CHECK(host_script_argv(Become::none, "cat -- \"$1\"", "virtplan-ledger", {"/var/lib/x y"}) ==
        Argv{"sh", "-c", "cat -- \"$1\"", "virtplan-ledger", "/var/lib/x y"});
  CHECK(host_script_argv(Become::sudo, "echo", "virtplan-lock", {}) ==
        Argv{"sudo", "-n", "sh", "-c", "echo", "virtplan-lock"});
}

}  // namespace
}  // namespace virtplan::providers
