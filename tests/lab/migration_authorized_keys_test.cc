// A live migration authorizes its key in the destination user's
// authorized_keys and removes it after (kvm/domain_live_migration.h). The
// file is replaced whole, by a rename, never truncated and rewritten in
// place: sshd reads it at every login, and a login by someone else that came
// while it was rewritten in place found it empty and was refused (a lab test
// logging in to the destination while another test migrated there failed
// so, "tried client_key (refused)"). Watched with inotify on the lab host's
// /root/.ssh (a directory of this machine, bind-mounted there): the
// migration must write the file by renames alone, and leave the user's own
// key, its mode and owner as they were.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/migration_key.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace migration_authorized_keys_lab {

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::write_stack;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

// What happened to one name in a watched directory: "modified" (its data
// written or truncated in place) or "renamed over".
struct DirectoryWatch {
  int fd = -1;

  explicit DirectoryWatch(const std::string& dir) {
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_MOVED_TO) >= 0);
  }
  ~DirectoryWatch() { close(fd); }
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Every event for `name` queued since the watch began, in order.
  std::vector<std::string> events_for(const std::string& name) const {
    std::vector<std::string> out;
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      const ssize_t got = read(fd, buffer, sizeof buffer);
      if (got <= 0) break;  // EAGAIN: nothing more queued
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        if (event->len > 0 && name == event->name) {
          out.push_back(event->mask & IN_MODIFY ? "modified" : "renamed over");
        }
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return out;
  }
};

// The lines of the file at `path` but those of migrations: other tests
// running beside this one may be migrating to the same host.
std::string own_lines(const std::string& path) {
  std::ifstream in(path);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (!has(line, "virtplan-migrate:")) out += line + "\n";
  return out;
}

TEST_CASE(
    "a live migration replaces the destination's authorized_keys whole by renames, never rewriting it in "
    "place, and leaves the user's key mode and owner") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('K');
  const std::string pool = "p-" + tag, volume = "v-" + tag, name = "k-" + tag;
  auto text = [&](std::size_t on) {
    const std::string host = env.hosts[on].name;
    return fmt::format(
        "stack: keys-{0}\nhosts:\n{1}{2}"
        "pools:\n  {3}: {{hosts: all, type: dir, path: /var/lib/virtplan/{3}}}\n"
        "volumes:\n  {4}: {{host: {6}, pool: {3}, format: raw, capacity: 8MiB}}\n"
        "domains:\n  {5}: {{host: {6}, vcpus: 1, memory: 32MiB, virt_type: qemu, shutdown_timeout: 1,\n"
        "    disks: [{{volume: {4}, target: vda, bus: virtio}}]}}\n",
        tag, host_block(env, 0), host_block(env, 1), pool, volume, name, host);
  };
  const std::string stack = write_stack(text(0));
  StackCleanup cleanup{env, stack};
  virtplan::lab::apply_stack(stack, text(0));
  REQUIRE(trimmed(env.run_in(0, "virsh -q domstate " + shell_quote(name))) == "running");

  // lab<K>'s /root is <lab dir>/lab<K>/root on this machine.
  const std::string ssh_dir = fmt::format("{}/lab{}/root/.ssh", env.dir, env.hosts[1].index);
  const std::string keys = ssh_dir + "/authorized_keys";
  const std::string before = own_lines(keys);
  struct stat before_stat {};
  REQUIRE(stat(keys.c_str(), &before_stat) == 0);
  REQUIRE(has(before, "ssh-"));

  DirectoryWatch watch(ssh_dir);
  virtplan::lab::write_stack_at(stack, text(1));
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  REQUIRE(trimmed(env.run_in(1, "virsh -q domstate " + shell_quote(name))) == "running");

  // Authorized, then the authorization removed: two whole files, no write in place.
  const auto events = watch.events_for("authorized_keys");
  INFO("events: " << fmt::format("{}", fmt::join(events, ", ")));
  CHECK(std::count(events.begin(), events.end(), "modified") == 0);
  CHECK(std::count(events.begin(), events.end(), "renamed over") >= 2);
  CHECK(virtplan::lab::no_migration_key_left(env, 1, virtplan::lab::domain_uuid(env, name)));
  CHECK(own_lines(keys) == before);
  struct stat after_stat {};
  REQUIRE(stat(keys.c_str(), &after_stat) == 0);
  CHECK((after_stat.st_mode & 07777) == (before_stat.st_mode & 07777));
  CHECK(after_stat.st_uid == before_stat.st_uid);
  CHECK(after_stat.st_gid == before_stat.st_gid);
  virtplan::lab::check_plan_empty(stack);
}

}  // namespace migration_authorized_keys_lab
