#include "providers/host/host_permission.h"

#include "providers/host/host_script.h"
#include "providers/host/local_transport.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

using namespace virtplan::providers;
namespace fs = std::filesystem;

namespace {

HostConfig remote(const std::string& user) {
  HostConfig host;
  host.name = "hv1";
  host.user = user;
  host.hostname = "10.0.0.1";
  return host;
}

}  // namespace

TEST_CASE("permission hint: a refused libvirt socket names the group to join") {
  const auto hint = permission_hint(
      remote("alice"),
      "failed to connect to the hypervisor: Failed to connect socket to '/var/run/libvirt/libvirt-sock': "
      "Permission denied");
  REQUIRE(hint.has_value());
  CHECK(
      *hint ==
      "user alice may not use libvirt (qemu:///system): add it to the group of libvirt's socket (as root: "
      "usermod -aG libvirt alice; it counts from the next login), or set become: sudo with a NOPASSWD sudoers "
      "rule for it");
}

TEST_CASE("permission hint: sudo asking for a password names the sudoers rule") {
  const auto hint = permission_hint(remote("bob"), "sudo: a password is required\n");
  REQUIRE(hint.has_value());
  CHECK(hint->find("user bob may not run sudo without a password") == 0);
  CHECK(hint->find("`bob ALL=(root) NOPASSWD: ALL`") != std::string::npos);
  CHECK(permission_hint(remote("bob"), "sudo: not found").value().find("the host has no sudo") !=
        std::string::npos);
}

TEST_CASE("permission hint: other failures get none, and the error is kept as it was") {
  CHECK_FALSE(permission_hint(remote("alice"), "failed to get domain 'web'").has_value());
  const Error error(ErrorCode::not_found, "failed to get domain 'web'");
  CHECK(with_permission_hint(remote("alice"), error).message() == "failed to get domain 'web'");
  const Error refused(ErrorCode::other, "sudo: a password is required");
  CHECK(with_permission_hint(remote("alice"), refused)
            .message()
            .find("sudo: a password is required: user alice may not run sudo") == 0);
}

// A state directory the user may not enter must not read as "no ledger yet".
TEST_CASE("state dir: a user who cannot enter it is refused with what to run, not shown nothing") {
  if (::getuid() != 0) {
    WARN("needs root to run the script as another user");
    return;
  }
  const fs::path top = fs::temp_directory_path() / ("vp-state-" + std::to_string(::getpid()));
  fs::create_directories(top / "ledger");
  fs::permissions(top, fs::perms::owner_all);
  LocalTransport local;
  std::vector<std::string> argv{"runuser", "-u", "nobody", "--"};
  auto script =
      host_script_argv(Become::none, with_state_dir_functions(R"sh(vp_state_dir "$1" read; echo ok)sh"),
                       "virtplan-test", {(top / "ledger").string()});
  argv.insert(argv.end(), script.begin(), script.end());
  auto ran = local.run(Command{argv, std::nullopt, std::chrono::seconds(30)});
  fs::remove_all(top);
  REQUIRE(ran.has_value());
  CHECK(ran->exit_status == k_state_denied_status);
  CHECK(ran->out.empty());
  CHECK(ran->err.find("user nobody cannot use " + top.string() + " (root:root drwx------)") == 0);
}

TEST_CASE("state dir: directories it makes are 2770, files keep their group") {
  const fs::path top = fs::temp_directory_path() / ("vp-state-mk-" + std::to_string(::getpid()));
  LocalTransport local;
  auto script = host_script_argv(Become::none, with_state_dir_functions(R"sh(vp_state_dir "$1" write)sh"),
                                 "virtplan-test", {(top / "ledger").string()});
  auto ran = local.run(Command{script, std::nullopt, std::chrono::seconds(30)});
  REQUIRE(ran.has_value());
  CHECK(ran->exit_status == 0);
  for (const fs::path& dir : {top, top / "ledger"}) {
    const auto perms = fs::status(dir).permissions();
    CHECK((perms & fs::perms::all) == (fs::perms::owner_all | fs::perms::group_all));
    CHECK((perms & fs::perms::set_gid) == fs::perms::set_gid);
  }
  fs::remove_all(top);
}
