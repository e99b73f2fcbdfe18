// LockGuardedTransport (providers/host/lock_guarded_transport.h): what it
// says about its host is the inner transport's (the host key a live
// migration pins, the name errors carry), and once its check fails it sends
// nothing more.

#include "providers/host/lock_guarded_transport.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <chrono>

namespace {

using namespace virtplan::providers;

class KeyedTransport : public FakeTransport {
public:
  KeyedTransport() : FakeTransport("h1") {}
  std::string host_key() const override { return "ssh-ed25519 AAAAkey"; }
};

}  // namespace

TEST_CASE("lock-guarded transport: the host's name and SSH host key are the inner transport's") {
  KeyedTransport inner;
  LockGuardedTransport guarded(inner, [] { return Result<void>{}; });
  CHECK(guarded.host_name() == "h1");
  CHECK(guarded.host_key() == "ssh-ed25519 AAAAkey");
}

TEST_CASE("lock-guarded transport: once the check fails no command is sent and the run fails locked") {
  FakeTransport inner;
  inner.reply("first\n");
  bool lost = false;
  LockGuardedTransport guarded(inner, [&]() -> Result<void> {
    if (lost) return std::unexpected(Error(ErrorCode::locked, "the lock was lost"));
    return {};
  });
  REQUIRE(guarded.run(Command{{"echo", "first"}, std::nullopt, std::chrono::seconds(5)}));
  lost = true;
  auto refused = guarded.run(Command{{"echo", "second"}, std::nullopt, std::chrono::seconds(5)});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::locked);
  CHECK(inner.commands().size() == 1);
}
