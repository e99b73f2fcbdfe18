#include "providers/virsh/command_results.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("CommandResults asks each command once and keeps its answer for later rounds") {
  CommandResults results;
  const VirshArgs list{"list", "--all", "--name"};
  const VirshArgs dump{"dumpxml", "--inactive", "--domain", "web"};
  CHECK(results.ask({list, dump, list}) == std::vector<VirshArgs>{list, dump});
  CHECK(results.asked(dump));
  CHECK(results.find(dump) == nullptr);  // asked, not answered yet
  results.answer({Result<std::string>("web\n"), Result<std::string>("<domain/>")});
  REQUIRE(results.find(list) != nullptr);
  CHECK(**results.find(list) == "web\n");
  // The next round asks only what is new; the old answers stay.
  const VirshArgs other{"dumpxml", "--inactive", "--domain", "db"};
  CHECK(results.ask({dump, other}) == std::vector<VirshArgs>{other});
  results.answer({Result<std::string>(std::unexpected(Error(ErrorCode::not_found, "no db")))});
  REQUIRE(results.find(dump) != nullptr);
  CHECK(**results.find(dump) == "<domain/>");
  REQUIRE(results.find(other) != nullptr);
  CHECK(results.find(other)->error().code() == ErrorCode::not_found);
  CHECK_FALSE(results.asked({"net-list", "--all", "--name"}));
}

TEST_CASE("CommandResults fails a question left without an answer") {
  CommandResults results;
  results.ask({{"list", "--all", "--name"}, {"net-list", "--all", "--name"}});
  results.answer({Result<std::string>("web\n")});
  REQUIRE(results.find({"net-list", "--all", "--name"}) != nullptr);
  CHECK_FALSE(results.find({"net-list", "--all", "--name"})->has_value());
}

TEST_CASE("CommandResults asks a forgotten command again, and only that one") {
  CommandResults results;
  const VirshArgs list{"pool-list", "--all", "--name"};
  const VirshArgs dump{"pool-dumpxml", "--inactive", "--pool", "p"};
  results.ask({list, dump});
  results.answer({Result<std::string>(std::unexpected(Error("Could not retrieve pool information"))),
                  Result<std::string>("<pool/>")});
  results.forget(list);
  CHECK_FALSE(results.asked(list));
  CHECK(results.find(list) == nullptr);
  CHECK(results.ask({list, dump}) == std::vector<VirshArgs>{list});
  results.answer({Result<std::string>("p\n")});
  REQUIRE(results.find(list) != nullptr);
  CHECK(**results.find(list) == "p\n");
}

TEST_CASE("failed_saying finds virsh's words in a failure only") {
  const Result<std::string> failed =
      std::unexpected(Error(ErrorCode::other, "lab1: virsh pool-list: Could not retrieve pool information"));
  const Result<std::string> answered = std::string("Could not retrieve pool information\n");
  CHECK(failed_saying(&failed, "Could not retrieve pool information"));
  CHECK_FALSE(failed_saying(&failed, "is not active"));
  CHECK_FALSE(failed_saying(&answered, "Could not retrieve pool information"));
  CHECK_FALSE(failed_saying(nullptr, "Could not retrieve pool information"));
}

}  // namespace
}  // namespace virtplan::providers
