#include "planner/unread_host.h"

#include <catch2/catch.hpp>

namespace virtplan::planner {
namespace {

using providers::Error;
using providers::ErrorCode;

TEST_CASE("unread host: only a failed connection is called unreachable") {
  for (ErrorCode code : {ErrorCode::unreachable, ErrorCode::timeout, ErrorCode::host_key_unknown,
                         ErrorCode::host_key_changed, ErrorCode::auth_failed, ErrorCode::transport}) {
    CHECK(unread_wording(Error(code, "x")) == "could not be reached");
  }
  CHECK(unread_wording(Error(ErrorCode::locked, "x")) == "is locked");
  for (ErrorCode code : {ErrorCode::other, ErrorCode::invalid, ErrorCode::not_found,
                         ErrorCode::already_exists, ErrorCode::stale}) {
    CHECK(unread_wording(Error(code, "x")) == "could not be read");
  }
}

TEST_CASE("unread host: one line a host, with the error's own words") {
  CHECK(unread_line("lab1", Error("lab1: virsh pool-list: Could not retrieve pool information")) ==
        "lab1: could not be read: lab1: virsh pool-list: Could not retrieve pool information");
  CHECK(unread_line("lab2", Error(ErrorCode::locked, "lab2: stack 'demo' is locked by `virtplan import`")) ==
        "lab2: is locked: lab2: stack 'demo' is locked by `virtplan import`");
  CHECK(unread_line("lab3", Error(ErrorCode::unreachable, "lab3: connection refused")) ==
        "lab3: could not be reached: lab3: connection refused");
  CHECK(unread_messages({{"lab1", Error("no")}, {"lab2", Error(ErrorCode::locked, "held")}}) ==
        std::map<std::string, std::string>{{"lab1", "no"}, {"lab2", "held"}});
}

TEST_CASE("unread host: the objects declared on each host not read, sorted, and none for the hosts read") {
  auto object = [](std::string kind, std::string name, std::string host) {
    providers::StackObject o;
    o.id = {std::move(kind), std::move(name), std::move(host)};
    return o;
  };
  const std::vector<providers::StackObject> declared{
      object("volume", "v", "dead"), object("pool", "p", "dead"), object("pool", "p", "alive")};
  const auto objects = unread_objects(declared, {{"dead", Error(ErrorCode::timeout, "x")}});
  CHECK(objects ==
        std::map<std::string, std::vector<std::string>>{{"dead", {"pool.p@dead", "volume.v@dead"}}});
  CHECK(listed_objects(objects, "dead") == " (pool.p@dead, volume.v@dead)");
  CHECK(listed_objects(objects, "alive").empty());
}

TEST_CASE("unread host: no host read only when every host of the stack was set aside") {
  CHECK(no_host_read(1, {{"dead", Error("x")}}));
  CHECK_FALSE(no_host_read(2, {{"dead", Error("x")}}));
  CHECK_FALSE(no_host_read(0, {}));
}

}  // namespace
}  // namespace virtplan::planner
