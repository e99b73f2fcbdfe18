// Issue 6's cloud-init and `wait:` end to end, through the virtplan binary on a
// lab host with the real lab guest (tests/lab/guest, TCG, direct kernel boot):
// apply uploads the seed built in memory, waits until the guest has its
// reserved DHCP address and says it, `status` shows the address, the guest
// prints the stack's user-data on its serial console, the next plan is empty;
// new user-data plans the seed's replace and the domain's restart, and after
// apply (which waited for the lease of the new boot, not the one before the
// restart) the guest prints the new user-data. With `restart: never` the new
// seed's media is swapped live and a reset guest reads it. User-data secrets
// never appear in what virtplan prints.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using virtplan::lab::guest_dir;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::wait_until;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using Clock = std::chrono::steady_clock;

// One stack on lab host 0: a pool, a small virtio disk, a NAT network with a
// static DHCP host for the guest's MAC, and the guest booted from the lab
// guest's kernel with a cloud_init seed (user-data from a file beside the
// stack) and `wait: {ip: true}`; its serial console logged to a file. Names
// and the subnet are this process's and case's; torn down at the end.
class SeedStack {
public:
  SeedStack(const LabEnv& env, int which, std::string restart)
      : m_env(env),
        m_tag(fmt::format("c{}{}", getpid() % 100000, which)),
        m_octet(100 + getpid() % 100),
        m_which(which),
        m_restart(std::move(restart)),
        m_dir(fs::temp_directory_path() / ("vp-ci-" + m_tag)) {
    fs::create_directories(m_dir);
    const std::string guest = guest_dir();
    // The serial log's directory: virtlogd does not make it.
    run("mkdir -p " + shell_quote(boot_dir()) + " /var/log/libvirt/qemu && cp " +
        shell_quote(guest + "/vmlinuz") + " " + shell_quote(guest + "/initrd.img") + " " +
        shell_quote(boot_dir() + "/"));
    std::ofstream(m_dir / "stack.yaml") << text();
  }
  ~SeedStack() {
    auto destroyed = run_virtplan("destroy --auto-approve --force -f " + shell_quote(stack()));
    if (destroyed.status != 0) WARN("destroy failed: " << destroyed.output);
    try {
      run("rm -rf " + shell_quote(boot_dir()) + " " + shell_quote(serial_log()));
    } catch (...) {
    }
    fs::remove_all(m_dir);
  }

  std::string stack() const { return (m_dir / "stack.yaml").string(); }
  std::string domain() const { return "g-" + m_tag; }
  std::string host() const { return m_env.hosts.at(0).name; }
  std::string ip() const { return fmt::format("10.{}.{}.10", m_octet, m_which); }
  std::string mac() const { return fmt::format("52:54:00:{:02x}:{:02x}:10", m_octet, m_which); }
  std::string boot_dir() const { return "/var/lib/libvirt/boot/" + m_tag; }
  std::string serial_log() const { return "/var/log/libvirt/qemu/" + domain() + "-serial.log"; }

  void write_user_data(const std::string& text) const { std::ofstream(m_dir / "user-data.yaml") << text; }
  std::string run(const std::string& command) const { return m_env.run_in(0, command); }
  virtplan::test::VirtplanRun virtplan(const std::string& verb) const {
    return run_virtplan(verb + " -f " + shell_quote(stack()));
  }
  // The network's lease of the guest's MAC, as net-dhcp-leases lists it
  // (with its expiry), or "".
  std::string lease() const {
    return run(fmt::format("virsh -q net-dhcp-leases --network n-{} | grep -i {} || true", m_tag, mac()));
  }
  std::string serial() const { return virtplan::lab::serial_text(m_env, 0, serial_log()); }
  // The user-data the guest printed last, or "" before it printed one.
  std::string printed_user_data() const {
    const std::string log = serial();
    const std::string begin = "VIRTPLAN-GUEST user-data begin\n";
    auto from = log.rfind(begin);
    auto to = log.find("VIRTPLAN-GUEST user-data end", from == std::string::npos ? 0 : from);
    if (from == std::string::npos || to == std::string::npos) return "";
    std::string text = log.substr(from + begin.size(), to - from - begin.size());
    // The guest ends the file with a newline of its own (cat; echo).
    if (text.ends_with('\n')) text.pop_back();
    return text;
  }

private:
  std::string text() const {
    const std::string t = m_tag;
    std::string out = fmt::format("stack: ci-{}\nhosts:\n{}", t, host_block(m_env, 0));
    out += fmt::format(
        "pools:\n  p-{0}: {{host: {1}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  v-{0}: {{host: {1}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
        "networks:\n  n-{0}:\n    host: {1}\n    mode: nat\n    bridge: vp{0}\n"
        "    ipv4:\n      address: 10.{2}.{3}.1/24\n      dhcp:\n        range: 10.{2}.{3}.100-10.{2}.{3}.199\n"
        "        hosts: [{{mac: \"{4}\", ip: {5}, name: guest}}]\n",
        t, host(), m_octet, m_which, mac(), ip());
    out += fmt::format(
        "domains:\n  {0}:\n    host: {1}\n    vcpus: 1\n    memory: 256MiB\n    virt_type: qemu\n"
        "    restart: {2}\n"
        "    boot: {{kernel: {3}/vmlinuz, initrd: {3}/initrd.img, cmdline: \"console=ttyS0 loglevel=4\"}}\n"
        "    disks: [{{volume: v-{4}, bus: virtio}}]\n"
        "    interfaces: [{{network: n-{4}, mac: \"{5}\", model: virtio}}]\n"
        "    cloud_init: {{user_data: ./user-data.yaml}}\n"
        "    wait: {{ip: true, timeout: 240s}}\n"
        "    xml: [{{set: /domain/devices/serial/log/@file, value: {6}}}]\n",
        domain(), host(), m_restart, boot_dir(), t, mac(), serial_log());
    return out;
  }

  const LabEnv& m_env;
  std::string m_tag;
  int m_octet;
  int m_which;
  std::string m_restart;
  fs::path m_dir;
};

std::string user_data(const std::string& marker, const std::string& secret) {
  return fmt::format("#cloud-config\n# {}\nchpasswd: {{list: 'root:{}'}}\n", marker, secret);
}

// Applies, runs `right_after` as soon as apply succeeded, checks the secret
// stayed out of the output and the guest printed `expected`, and that the
// next plan is empty.
void apply_and_see(const SeedStack& lab, const std::string& expected, const std::string& secret,
                   const std::function<void()>& right_after = {}) {
  auto applied = lab.virtplan("apply --auto-approve");
  INFO("apply:\n" << applied.output << "\nserial log:\n" << lab.serial());
  REQUIRE(applied.status == 0);
  if (right_after) right_after();
  CHECK_FALSE(has(applied.output, secret));
  CHECK(wait_until(120s, [&] { return lab.printed_user_data() == expected; }));
  auto again = lab.virtplan("plan");
  INFO("plan after apply:\n" << again.output);
  CHECK(again.status == 0);
  CHECK(has(again.output, "No changes"));
}

}  // namespace

TEST_CASE(
    "apply boots the lab guest with a cloud-init seed, waits for its reserved address, status shows it, and new "
    "user-data replaces the seed and restarts the guest, which prints it") {
  LabEnv env = require_lab();
  SeedStack lab(env, 1, "if-needed");
  const std::string first = user_data("virtplan seed one " + std::to_string(getpid()), "s3cret-one");
  lab.write_user_data(first);

  auto started = Clock::now();
  auto applied = lab.virtplan("apply --auto-approve");
  const double apply_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  INFO("apply:\n" << applied.output << "\nserial log:\n" << lab.serial());
  REQUIRE(applied.status == 0);
  // wait: {ip: true} returned the reserved address from the network's leases.
  CHECK(has(applied.output, "IP address " + lab.ip() + " (network n-"));
  CHECK_FALSE(has(applied.output, "s3cret-one"));
  // The guest has that address: it says so on its console. Not necessarily
  // by the time apply ends: dnsmasq records the lease when it acknowledges
  // it, the guest's DHCP client configures eth0 after the acknowledgement.
  CHECK(wait_until(30s,
                   [&] { return has(lab.serial(), "VIRTPLAN-GUEST ip=" + lab.ip() + " mac=" + lab.mac()); }));
  CHECK(wait_until(120s, [&] { return lab.printed_user_data() == first; }));

  auto status = lab.virtplan("status");
  INFO("status:\n" << status.output);
  CHECK(status.status == 0);
  bool shown = false;
  std::istringstream rows(status.output);
  for (std::string row; std::getline(rows, row);) {
    shown = shown || (has(row, "domain." + lab.domain() + "@") && has(row, lab.ip()));
  }
  CHECK(shown);

  auto empty = lab.virtplan("plan");
  INFO("plan:\n" << empty.output);
  CHECK(has(empty.output, "No changes"));

  const std::string second = user_data("virtplan seed two " + std::to_string(getpid()), "s3cret-two");
  lab.write_user_data(second);
  auto plan = lab.virtplan("plan");
  INFO("plan with new user-data:\n" << plan.output);
  CHECK(has(plan.output, "-/+ volume." + lab.domain() + "-cidata@" + lab.host()));
  CHECK(has(plan.output, "/cloud_init/sha256"));
  CHECK(has(plan.output, "~ domain." + lab.domain() + "@" + lab.host()));
  CHECK(has(plan.output, "cloud_init.seed_sha256"));
  CHECK(has(plan.output, "1 restart"));
  CHECK_FALSE(has(plan.output, "s3cret"));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  auto plan_json = lab.virtplan("plan --json");
  CHECK_FALSE(has(plan_json.output, "s3cret"));

  // The restart's wait: {ip: true} ends on the lease the new boot asked for:
  // when apply returns, the network has granted it again (a later expiry).
  // The lease of the boot before, still listed, must not have ended it.
  const std::string lease_before = lab.lease();
  REQUIRE_FALSE(lease_before.empty());
  apply_and_see(lab, second, "s3cret-two", [&] {
    const std::string lease_after = lab.lease();
    INFO("lease before the restart: " << lease_before << "\nright after apply: " << lease_after);
    CHECK_FALSE(lease_after.empty());
    CHECK(lease_after != lease_before);
  });
  WARN("cloud-init apply: first apply (create, boot, DHCP lease) " << apply_seconds << " s");
}

TEST_CASE(
    "with restart: never, new user-data swaps the seed CD-ROM live without a restart, and the guest reads it "
    "at its next boot") {
  LabEnv env = require_lab();
  SeedStack lab(env, 2, "never");
  const std::string first = user_data("virtplan live seed one " + std::to_string(getpid()), "s3cret-a");
  lab.write_user_data(first);
  apply_and_see(lab, first, "s3cret-a");
  const std::string boots_before = lab.run("virsh -q domid --domain " + shell_quote(lab.domain()));

  const std::string second = user_data("virtplan live seed two " + std::to_string(getpid()), "s3cret-b");
  lab.write_user_data(second);
  auto applied = lab.virtplan("apply --auto-approve");
  INFO("apply:\n" << applied.output);
  REQUIRE(applied.status == 0);
  CHECK(has(applied.output, "restart pending (restart: never)"));
  CHECK(has(applied.output, "the guest reads it at its next boot"));
  CHECK_FALSE(has(applied.output, "s3cret"));
  // Not restarted: the same QEMU process, and the guest printed nothing new.
  CHECK(lab.run("virsh -q domid --domain " + shell_quote(lab.domain())) == boots_before);
  CHECK(lab.printed_user_data() == first);

  // A reset reboots the guest inside the same QEMU process: it reads the
  // media now in the drive, which is the new seed only if it was swapped.
  lab.run("virsh -q reset --domain " + shell_quote(lab.domain()) + " >/dev/null");
  CHECK(wait_until(150s, [&] { return lab.printed_user_data() == second; }));
  INFO("serial log:\n" << lab.serial());
  CHECK(lab.printed_user_data() == second);

  // Pending until the domain restarts: the plan keeps saying so.
  auto plan = lab.virtplan("plan");
  INFO("plan:\n" << plan.output);
  CHECK(has(plan.output, "~ domain." + lab.domain() + "@" + lab.host()));
  CHECK_FALSE(has(plan.output, "-cidata@"));
}
