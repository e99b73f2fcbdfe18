// The apply/destroy summary's lines for the hosts set aside: what kept each
// from being read, in its own words.

#include "cli/apply_run.h"

#include <catch2/catch.hpp>

namespace virtplan::cli {
namespace {

using providers::Error;
using providers::ErrorCode;

TEST_CASE("apply summary: unreachable, locked and unreadable hosts are each said as what happened") {
  const std::map<std::string, Error> unread{
      {"dead", Error(ErrorCode::unreachable, "dead (10.0.0.9:22): connection refused")},
      {"held", Error(ErrorCode::locked,
                     "held: stack 'demo' is locked by `virtplan import` (pid 1234 on ci) since "
                     "2026-11-26T01:00:00Z; try again when it finishes")},
      {"odd", Error("odd: virsh pool-list: Could not retrieve pool information")},
      {"strange", Error(ErrorCode::host_key_changed, "strange: the host key changed")}};
  CHECK(
      unread_hosts_text(unread, {}) ==
      "  dead: could not be reached, nothing was planned or done there: dead (10.0.0.9:22): connection refused\n"
      "  held: is locked, nothing was planned or done there: held: stack 'demo' is locked by `virtplan import` "
      "(pid 1234 on ci) since 2026-11-26T01:00:00Z; try again when it finishes\n"
      "  odd: could not be read, nothing was planned or done there: odd: virsh pool-list: Could not retrieve "
      "pool information\n"
      "  strange: could not be reached, nothing was planned or done there: strange: the host key changed\n");
  CHECK(unread_hosts_text({}, {}).empty());
}

TEST_CASE(
    "apply summary: an unread host's line lists every object of the stack there that was not planned or done") {
  const std::map<std::string, Error> unread{
      {"dead", Error(ErrorCode::unreachable, "dead (10.0.0.9:22): timed out")}};
  const std::map<std::string, std::vector<std::string>> objects{
      {"dead", {"domain.web@dead", "pool.p@dead", "volume.v@dead"}}};
  CHECK(unread_hosts_text(unread, objects) ==
        "  dead: could not be reached, nothing was planned or done there (domain.web@dead, pool.p@dead, "
        "volume.v@dead): dead (10.0.0.9:22): timed out\n");
}

}  // namespace
}  // namespace virtplan::cli
