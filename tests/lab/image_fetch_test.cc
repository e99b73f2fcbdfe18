// Images by URL (issue 19), with the real binary against a lab host and an
// HTTP server on this machine's end of its veth: the host downloads the image
// itself, once however many volumes or applies want it (the server's log
// counts the requests), verifies it before any volume is made of it,
// decompresses it, converts it to the volume's format, and records its
// digest so the next plan is empty and a new digest is a replace.

#include "providers/host/shell_quote.h"
#include "tests/lab/hidden_tools.h"
#include "tests/lab/image_server.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

using virtplan::lab::has;
using virtplan::lab::here;
using virtplan::lab::HiddenTools;
using virtplan::lab::host_block;
using virtplan::lab::ImageServer;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using virtplan::test::start_virtplan;

namespace {

constexpr const char* k_cache = "/var/lib/virtplan/cache";

// The images a test serves, made here with qemu-img, each holding the test's
// tag so that no other test (or an earlier run) has it in a host's cache:
// disk.qcow2 (1 MiB), its xz and gzip, disk.raw (the same disk raw),
// other.qcow2, a SHA256SUMS of disk.qcow2, its xz and other.qcow2,
// drop-disk.qcow2 (disk.qcow2, which the server drops half-way the first
// time), stall-disk.qcow2 (disk.qcow2, which the server stops sending
// half-way, every time) and flaky-disk.qcow2 (disk.qcow2, refused with HTTP
// 503 the first time).
struct Images {
  std::string tag;
  std::string dir;
  std::string disk, disk_xz, disk_gz, disk_raw, other;  // their sha256

  explicit Images(char letter) : tag(tag_for(letter)), dir("/tmp/vp-images-" + tag) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    here(fmt::format(
        "set -e; cd {0}; "
        "for f in disk other; do head -c 1048576 /dev/zero >$f.raw; "
        "printf 'virtplan %s {1}' $f | dd of=$f.raw conv=notrunc status=none; "
        "qemu-img convert -f raw -O qcow2 $f.raw $f.qcow2; done; rm other.raw; "
        "xz -k -T1 disk.qcow2; gzip -k disk.qcow2; "
        "cp disk.qcow2 drop-disk.qcow2; cp disk.qcow2 stall-disk.qcow2; cp disk.qcow2 flaky-disk.qcow2; "
        "sha256sum disk.qcow2 disk.qcow2.xz other.qcow2 >SHA256SUMS",
        shell_quote(dir), tag));
    disk = digest("disk.qcow2");
    disk_xz = digest("disk.qcow2.xz");
    disk_gz = digest("disk.qcow2.gz");
    disk_raw = digest("disk.raw");
    other = digest("other.qcow2");
  }
  ~Images() { std::filesystem::remove_all(dir); }

  std::string digest(const std::string& file) const {
    return here(fmt::format("sha256sum <{}/{} | cut -d' ' -f1", shell_quote(dir), file)).substr(0, 64);
  }
  // Removes what the host's cache holds of these images.
  std::string forget() const {
    // Only this test's digests: other tests download into the same cache at once.
    std::string command = "rm -f";
    for (const std::string* digest : {&disk, &disk_xz, &disk_gz, &disk_raw, &other})
      command += fmt::format(" {0}/sha256-{1}* {0}/.sha256-{1}*", k_cache, *digest);
    return command;
  }
};

// The stack `name`: a dir pool of its own name and the volumes in `volumes`
// (YAML lines under `volumes:`, each with `host` and `pool` filled in by the
// caller through {host} and {pool}).
std::string stack_text(const LabEnv& env, const std::string& name, const std::string& volumes) {
  return fmt::format(
      "stack: {0}\nhosts:\n{1}pools:\n  {0}: {{host: {2}, type: dir, path: /var/lib/virtplan/{0}}}\n"
      "volumes:\n{3}",
      name, host_block(env, 0), env.hosts[0].name, volumes);
}

std::string volume(const LabEnv& env, const std::string& pool, const std::string& name,
                   const std::string& format, const std::string& source) {
  return fmt::format("  {}: {{host: {}, pool: {}, format: {}, source: {}}}\n", name, env.hosts[0].name, pool,
                     format, source);
}

// The stack `name` with volumes `a` (qcow2) and `b` (raw) of one image.
std::string two_volumes(const LabEnv& env, const std::string& name, const std::string& source) {
  return stack_text(env, name,
                    volume(env, name, "a", "qcow2", source) + volume(env, name, "b", "raw", source));
}

std::string by_sha256(const std::string& url, const std::string& digest) {
  return fmt::format("{{url: '{}', sha256: {}}}", url, digest);
}

// The stack `name` with one qcow2 volume `v` of the image at `url`.
std::string one_image(const LabEnv& env, const std::string& name, const std::string& url,
                      const std::string& digest) {
  return stack_text(env, name, volume(env, name, "v", "qcow2", by_sha256(url, digest)));
}

std::string peer(const LabEnv& env) { return fmt::format("10.231.{}.1", env.hosts[0].index); }

std::string volume_xml(const LabEnv& env, const std::string& pool, const std::string& name) {
  return env.run_in(0, fmt::format("virsh -q vol-dumpxml --pool {} --vol {} 2>&1 || true", shell_quote(pool),
                                   shell_quote(name)));
}

}  // namespace

TEST_CASE(
    "an image by URL is fetched once on the host for two volumes, converted, and the next plan is empty") {
  const LabEnv env = require_lab(1);
  const Images images('u');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string source = by_sha256(server.url("disk.qcow2"), images.disk);
  const std::string stack = write_stack(two_volumes(env, name, source));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  // One download for both volumes, with its progress; the host got it, not this machine.
  CHECK(server.gets("disk.qcow2") == 1);
  CHECK(has(apply.output, "downloading disk.qcow2: "));
  CHECK(has(apply.output, "(100%)"));
  CHECK(has(server.log(), env.hosts[0].address));
  // In the cache under its digest, the temporary names gone.
  CHECK(env.run_in(0, fmt::format("ls -A {} | grep {}", k_cache, images.disk)) ==
        fmt::format("sha256-{0}\nsha256-{0}.lock\nsha256-{0}.stacks\n", images.disk));
  CHECK(env.run_in(0, fmt::format("cat {}/sha256-{}.stacks", k_cache, images.disk)) == name + "\n");
  // Each volume in its own format, of the image's size, with the image's bytes.
  CHECK(has(volume_xml(env, name, "a"), "<format type='qcow2'/>"));
  CHECK(has(volume_xml(env, name, "b"), "<format type='raw'/>"));
  CHECK(has(volume_xml(env, name, "b"), "<capacity unit='bytes'>1048576</capacity>"));
  CHECK(has(env.run_in(0, fmt::format("head -c 64 /var/lib/virtplan/{}/b", name)),
            "virtplan disk " + images.tag));

  // The ledger has the digest: nothing to do, and nothing fetched again.
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);
  const auto again = run_virtplan("apply --auto-approve -f " + stack);
  CHECK(again.status == 0);
  CHECK(server.gets("disk.qcow2") == 1);

  // Another digest (another image) replaces the volume, saying what is lost.
  write_stack_at(
      stack, stack_text(env, name,
                        volume(env, name, "a", "qcow2", by_sha256(server.url("other.qcow2"), images.other)) +
                            volume(env, name, "b", "raw", source)));
  const auto replace = run_virtplan("plan -f " + stack);
  INFO(replace.output);
  CHECK(has(replace.output, "-/+ volume.a@" + env.hosts[0].name));
  CHECK(has(replace.output, "DATA LOSS"));
  CHECK(has(replace.output, "1 to replace"));
}

TEST_CASE("two applies wanting one image at once download it once (the per-digest lock on the host)") {
  const LabEnv env = require_lab(1);
  const Images images('w');
  const ImageServer server(images.dir, peer(env));
  const std::string source = by_sha256(server.url("disk.qcow2"), images.disk);
  const std::string first_name = "img1-" + images.tag, second_name = "img2-" + images.tag;
  const std::string first =
      write_stack(stack_text(env, first_name, volume(env, first_name, "a", "qcow2", source)));
  const std::string second =
      write_stack(stack_text(env, second_name, volume(env, second_name, "a", "qcow2", source)));
  const StackCleanup first_cleanup{env, first, images.forget()};
  const StackCleanup second_cleanup{env, second};

  const auto one = start_virtplan("apply --auto-approve -f " + first, first + ".log");
  const auto two = start_virtplan("apply --auto-approve -f " + second, second + ".log");
  const int one_status = one.wait();
  const int two_status = two.wait();
  INFO(one.output());
  INFO(two.output());
  CHECK(one_status == 0);
  CHECK(two_status == 0);
  CHECK(server.gets("disk.qcow2") == 1);
  std::filesystem::remove(first + ".log");
  std::filesystem::remove(second + ".log");
}

TEST_CASE("a wrong digest fails naming both digests, and leaves nothing in the cache and no volume") {
  const LabEnv env = require_lab(1);
  const Images images('x');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  // other.qcow2's digest for disk.qcow2
  const std::string stack = write_stack(stack_text(
      env, name, volume(env, name, "a", "qcow2", by_sha256(server.url("disk.qcow2"), images.other))));
  // Another image already in the cache (another stack's, say) and a file
  // of the owner's own: a failed download removes only its own files.
  const std::string kept = fmt::format("{}/sha256-{:0>64}", k_cache, getpid());
  const std::string foreign = fmt::format("{}/notes-{}.txt", k_cache, images.tag);
  env.run_in(0, fmt::format("mkdir -p {0} && echo cached > {1} && echo mine > {2}", k_cache, kept, foreign));
  const StackCleanup cleanup{env, stack, images.forget() + fmt::format("; rm -f {} {}", kept, foreign)};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  CHECK(apply.status == 1);
  CHECK(has(apply.output,
            fmt::format("does not match its sha256: expected {}, got {}", images.other, images.disk)));
  CHECK(env.run_in(0, fmt::format("cat {} {}", kept, foreign)) == "cached\nmine\n");
  CHECK(server.gets("disk.qcow2") == 1);
  // Only the digest's lock file: no download, no partial file, no image.
  CHECK(env.run_in(0, fmt::format("ls -A {} | grep -e {} -e {} || true", k_cache, images.other,
                                  images.disk)) == fmt::format("sha256-{}.lock\n", images.other));
  CHECK(has(volume_xml(env, name, "a"), "Storage volume not found"));
}

TEST_CASE(
    "an xz image verified by a SHA256SUMS file is decompressed, a gzip one and a raw one too, and a 404 or a bad "
    "name says so") {
  const LabEnv env = require_lab(1);
  const Images images('z');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string source =
      fmt::format("{{url: '{}', checksum_url: '{}'}}", server.url("disk.qcow2.xz"), server.url("SHA256SUMS"));
  const std::string gz = by_sha256(server.url("disk.qcow2.gz"), images.disk_gz);
  const std::string raw = by_sha256(server.url("disk.raw"), images.disk_raw);
  const std::string stack =
      write_stack(stack_text(env, name,
                             volume(env, name, "a", "qcow2", source) + volume(env, name, "g", "qcow2", gz) +
                                 volume(env, name, "r", "qcow2", raw)));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(server.gets("SHA256SUMS") == 1);
  CHECK(server.gets("disk.qcow2.xz") == 1);
  CHECK(has(apply.output, "decompressing disk.qcow2.xz (xz)"));
  CHECK(has(apply.output, "decompressing disk.qcow2.gz (gzip)"));
  // Each reads the disk's bytes, whatever form it came in.
  for (const char* v : {"g", "r"}) {
    CHECK(has(volume_xml(env, name, v), "<format type='qcow2'/>"));
    CHECK(has(
        env.run_in(0, fmt::format("qemu-img convert -U -O raw /var/lib/virtplan/{0}/{1} /tmp/{0}-{1}.raw && "
                                  "head -c 64 /tmp/{0}-{1}.raw; rm -f /tmp/{0}-{1}.raw",
                                  name, v)),
        "virtplan disk " + images.tag));
  }
  // Decompressed: the qcow2 inside, 1 MiB of disk.
  CHECK(has(volume_xml(env, name, "a"), "<format type='qcow2'/>"));
  CHECK(has(volume_xml(env, name, "a"), "<capacity unit='bytes'>1048576</capacity>"));
  // The digest the checksum file listed is in the ledger; the next plan is empty.
  CHECK(has(env.run_in(0, "cat /var/lib/virtplan/ledger/" + name + ".json"), images.disk_xz));
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);

  // A file the server does not have, and a server whose name does not
  // resolve (inside the lab host's namespace no query leaves it).
  const std::string nowhere = "http://virtplan-lab.invalid/d.qcow2";
  write_stack_at(stack, stack_text(env, name,
                                   volume(env, name, "a", "qcow2", source) +
                                       volume(env, name, "gone", "qcow2",
                                              by_sha256(server.url("missing.qcow2"), images.disk)) +
                                       volume(env, name, "far", "qcow2", by_sha256(nowhere, images.other))));
  const auto missing = run_virtplan("apply --auto-approve -f " + stack);
  INFO(missing.output);
  CHECK(missing.status == 1);
  CHECK(has(missing.output,
            "cannot download " + server.url("missing.qcow2") + ": the server has no such file (HTTP 404)"));
  CHECK(has(missing.output, "cannot download " + nowhere + ": cannot resolve the server's name (DNS)"));
}

TEST_CASE("fetch: client downloads on this machine once and streams to a host that cannot reach the URL") {
  const LabEnv env = require_lab(1);
  const Images images('c');
  // On this machine's loopback: the lab host cannot reach it.
  const ImageServer server(images.dir, "127.0.0.1");
  const std::string client_cache = "/tmp/vp-client-cache-" + images.tag;
  setenv("VIRTPLAN_IMAGE_CACHE", client_cache.c_str(), 1);
  const std::string name = "img-" + images.tag;
  const std::string source =
      fmt::format("{{url: '{}', sha256: {}, fetch: client}}", server.url("disk.qcow2.xz"), images.disk_xz);
  const std::string stack = write_stack(two_volumes(env, name, source));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  CHECK(apply.status == 0);
  CHECK(server.gets("disk.qcow2.xz") == 1);
  CHECK(has(volume_xml(env, name, "a"), "<format type='qcow2'/>"));
  CHECK(has(env.run_in(0, fmt::format("head -c 64 /var/lib/virtplan/{}/b", name)),
            "virtplan disk " + images.tag));
  // Cached here, decompressed, under its digest; not on the host.
  CHECK(std::filesystem::exists(client_cache + "/sha256-" + images.disk_xz));
  CHECK(env.run_in(0, fmt::format("ls -A {} 2>/dev/null | grep -c {} || true", k_cache, images.disk_xz)) ==
        "0\n");
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);

  // The host itself cannot: the error says why.
  write_stack_at(stack, stack_text(env, name,
                                   volume(env, name, "a", "qcow2", source) +
                                       volume(env, name, "h", "qcow2",
                                              by_sha256(server.url("other.qcow2"), images.other))));
  const auto direct = run_virtplan("apply --auto-approve -f " + stack);
  INFO(direct.output);
  CHECK(direct.status == 1);
  CHECK(
      has(direct.output, "cannot download " + server.url("other.qcow2") + ": cannot connect to the server"));
  std::filesystem::remove_all(client_cache);
  unsetenv("VIRTPLAN_IMAGE_CACHE");
}

TEST_CASE(
    "overlays of an image by URL share its one cached copy as their backing file, and a new digest replaces") {
  const LabEnv env = require_lab(1);
  const Images images('o');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const auto overlay = [&](const std::string& volume_name, const std::string& file,
                           const std::string& digest) {
    return fmt::format("  {}: {{host: {}, pool: {}, capacity: 4MiB, backing: {{source: {}}}}}\n", volume_name,
                       env.hosts[0].name, name, by_sha256(server.url(file), digest));
  };
  // Twenty clones, one download.
  std::string clones;
  for (int i = 1; i <= 20; ++i) clones += overlay(fmt::format("c{}", i), "disk.qcow2", images.disk);
  const std::string stack = write_stack(stack_text(env, name, clones));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(server.gets("disk.qcow2") == 1);
  const std::string cached = fmt::format("{}/sha256-{}", k_cache, images.disk);
  for (const char* clone : {"c1", "c2", "c20"}) {
    const std::string xml = volume_xml(env, name, clone);
    CHECK(has(xml, "<backingStore>\n    <path>" + cached + "</path>\n    <format type='qcow2'/>"));
    CHECK(has(xml, "<capacity unit='bytes'>4194304</capacity>"));
  }
  // The clone reads the image through its backing file.
  CHECK(has(env.run_in(0, fmt::format("qemu-img info -U /var/lib/virtplan/{}/c1", name)),
            "backing file: " + cached));
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);

  write_stack_at(
      stack, stack_text(env, name,
                        overlay("c1", "other.qcow2", images.other) + clones.substr(clones.find('\n') + 1)));
  const auto replace = run_virtplan("plan -f " + stack);
  INFO(replace.output);
  CHECK(has(replace.output, "-/+ volume.c1@" + env.hosts[0].name));
  CHECK(has(replace.output, "DATA LOSS"));
  CHECK(has(replace.output, "1 to replace"));
}

// On the second lab host: the image tests above use the first, with curl.
TEST_CASE("a host without curl downloads with wget, and one with neither names what is missing") {
  const LabEnv env = require_lab(2);
  const Images images('g');
  const std::string address = fmt::format("10.231.{}.1", env.hosts[1].index);
  const ImageServer server(images.dir, address);
  const std::string name = "img-" + images.tag;
  const std::string& host = env.hosts[1].name;
  const auto stack_on_second = [&](const std::string& volumes) {
    return fmt::format(
        "stack: {0}\nhosts:\n{1}pools:\n  {0}: {{host: {2}, type: dir, path: /var/lib/virtplan/{0}}}\n"
        "volumes:\n{3}",
        name, host_block(env, 1), host, volumes);
  };
  const auto on_second = [&](const std::string& volume_name, const std::string& file,
                             const std::string& digest) {
    return fmt::format("  {}: {{host: {}, pool: {}, format: qcow2, source: {}}}\n", volume_name, host, name,
                       by_sha256(server.url(file), digest));
  };
  const std::string stack = write_stack(stack_on_second(on_second("a", "disk.qcow2.xz", images.disk_xz)));
  struct Cleanup {
    const LabEnv& env;
    std::string stack, forget;
    ~Cleanup() {
      try {
        env.run_in(1, forget + "; true");
      } catch (...) {
      }
      run_virtplan("destroy --auto-approve --force -f " + stack);
      std::filesystem::remove(stack);
    }
  } cleanup{env, stack, images.forget()};

  {
    const HiddenTools no_curl(env, 1, {"curl"});
    const auto apply = run_virtplan("apply --auto-approve -f " + stack);
    INFO(apply.output);
    CHECK(apply.status == 0);
    CHECK(has(apply.output, "with wget on " + host));
    CHECK(server.gets("disk.qcow2.xz") == 1);
    CHECK(has(env.run_in(1, fmt::format("virsh -q vol-dumpxml --pool {} --vol a", name)),
              "<format type='qcow2'/>"));

    const HiddenTools no_wget(env, 1, {"wget"});
    write_stack_at(stack, stack_on_second(on_second("a", "disk.qcow2.xz", images.disk_xz) +
                                          on_second("b", "other.qcow2", images.other)));
    const auto neither = run_virtplan("apply --auto-approve -f " + stack);
    INFO(neither.output);
    CHECK(neither.status == 1);
    CHECK(has(neither.output, "cannot fetch " + server.url("other.qcow2") +
                                  ": neither curl nor wget is installed on the host"));
    CHECK(server.gets("other.qcow2") == 0);
  }
}

TEST_CASE("a download the server drops half-way is started again and verified") {
  const LabEnv env = require_lab(1);
  const Images images('d');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string stack = write_stack(one_image(env, name, server.url("drop-disk.qcow2"), images.disk));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  INFO(server.log());
  CHECK(apply.status == 0);
  CHECK(server.gets("drop-disk.qcow2") == 2);
  CHECK(has(apply.output, "the connection dropped (curl exit status 18); downloading drop-disk.qcow2 again"));
  CHECK(has(volume_xml(env, name, "v"), "<format type='qcow2'/>"));
}

TEST_CASE("a server whose certificate the host does not trust, and a cache with no room, fail saying so") {
  const LabEnv env = require_lab(1);
  const Images images('t');
  const std::string name = "img-" + images.tag;
  const std::string full_cache = "/tmp/vp-full-" + images.tag;
  const std::string stack = write_stack(one_image(env, name, "http://unused/", images.disk));
  const StackCleanup cleanup{
      env, stack, fmt::format("{0}; umount {1}; rmdir {1}", images.forget(), shell_quote(full_cache))};
  // Only the lock file of the digest, nothing half-written.
  auto cache_holds = [&](const std::string& cache, const std::string& digest) {
    return env.run_in(0, fmt::format("ls -A {} | grep {} || true", shell_quote(cache), digest));
  };

  // A self-signed certificate for the server's address: no CA the host trusts signed it.
  here(
      fmt::format("cd {} && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN={} "
                  "-keyout key.pem -out cert.pem 2>/dev/null && cat cert.pem key.pem >server.pem",
                  shell_quote(images.dir), peer(env)));
  {
    const ImageServer tls_server(images.dir, peer(env), images.dir + "/server.pem");
    REQUIRE(tls_server.url("disk.qcow2").starts_with("https://"));
    write_stack_at(stack, one_image(env, name, tls_server.url("disk.qcow2"), images.disk));
    const auto untrusted = run_virtplan("apply --auto-approve -f " + stack);
    INFO(untrusted.output);
    INFO(tls_server.log());
    CHECK(untrusted.status == 1);
    CHECK(has(untrusted.output, "cannot download " + tls_server.url("disk.qcow2") +
                                    ": TLS failed (the server's certificate or the handshake)"));
    CHECK(tls_server.gets("disk.qcow2") == 0);  // refused before any request
    CHECK(cache_holds(k_cache, images.disk) == fmt::format("sha256-{}.lock\n", images.disk));
  }

  // A cache on a 512 KiB filesystem and a 2 MiB image that does not compress.
  here(fmt::format("head -c 2097152 /dev/urandom >{}/big.raw", shell_quote(images.dir)));
  const std::string big = images.digest("big.raw");
  env.run_in(0,
             fmt::format("mkdir -p {0} && mount -t tmpfs -o size=512k vp-full {0}", shell_quote(full_cache)));
  const ImageServer server(images.dir, peer(env));
  const std::string host = host_block(env, 0) + fmt::format("    image_cache: {}\n", full_cache);
  write_stack_at(stack, fmt::format("stack: {0}\nhosts:\n{1}pools:\n  {0}: {{host: {2}, type: dir, path: "
                                    "/var/lib/virtplan/{0}}}\nvolumes:\n{3}",
                                    name, host, env.hosts[0].name,
                                    volume(env, name, "v", "raw", by_sha256(server.url("big.raw"), big))));
  const auto full = run_virtplan("apply --auto-approve -f " + stack);
  INFO(full.output);
  CHECK(full.status == 1);
  CHECK(has(full.output, "cannot download " + server.url("big.raw") +
                             ": cannot write the download on the host (disk full?)"));
  CHECK(cache_holds(full_cache, big) == fmt::format("sha256-{}.lock\n", big));
  CHECK(has(volume_xml(env, name, "v"), "Storage volume not found"));
}

TEST_CASE("a transient HTTP error (503) is retried, and the download is verified") {
  const LabEnv env = require_lab(1);
  const Images images('r');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string stack = write_stack(one_image(env, name, server.url("flaky-disk.qcow2"), images.disk));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  INFO(server.log());
  CHECK(apply.status == 0);
  CHECK(has(server.log(), "\"GET /flaky-disk.qcow2 HTTP/1.1\" 503"));
  CHECK(server.gets("flaky-disk.qcow2") == 2);
  CHECK(has(volume_xml(env, name, "v"), "<format type='qcow2'/>"));
}

TEST_CASE("a server that stalls mid-body fails the download within the stall timeout, naming the stall") {
  const LabEnv env = require_lab(1);
  const Images images('s');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string stack = write_stack(one_image(env, name, server.url("stall-disk.qcow2"), images.disk));
  const StackCleanup cleanup{env, stack, images.forget()};

  // 2 s without a byte is a stall: seconds, not 60 s each. curl retries it
  // once (VIRTPLAN_FETCH_RETRIES), not three times: each try costs about 7 s
  // (curl reckons the speed over its last 5 s), and one retry shows a stall
  // is given up on after the retries as well as three do.
  setenv("VIRTPLAN_STALL_TIMEOUT", "2", 1);
  setenv("VIRTPLAN_FETCH_RETRIES", "1", 1);
  const auto start = std::chrono::steady_clock::now();
  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  const auto took = std::chrono::steady_clock::now() - start;
  unsetenv("VIRTPLAN_STALL_TIMEOUT");
  unsetenv("VIRTPLAN_FETCH_RETRIES");
  INFO(apply.output);
  INFO(server.log());
  CHECK(apply.status == 1);
  // With the default 60 s, curl's two tries would take over two minutes:
  // far below that, with room for a loaded machine.
  CHECK(took < std::chrono::seconds(100));
  // Both tries were made: the stall is retried before it fails.
  CHECK(server.gets("stall-disk.qcow2") == 2);
  CHECK(has(apply.output, "cannot download " + server.url("stall-disk.qcow2") +
                              ": the server stalled mid-body (no byte for 2 s, curl gave up"));
  CHECK(server.gets("stall-disk.qcow2") >= 1);
  // Nothing half-written: only the digest's lock file, and no volume.
  CHECK(env.run_in(0, fmt::format("ls -A {} | grep {} || true", k_cache, images.disk)) ==
        fmt::format("sha256-{}.lock\n", images.disk));
  CHECK(has(volume_xml(env, name, "v"), "Storage volume not found"));
}

TEST_CASE("a base_only volume's new digest is a new base for new clones: existing clones keep theirs") {
  const LabEnv env = require_lab(1);
  const Images images('b');
  const ImageServer server(images.dir, peer(env));
  const std::string name = "img-" + images.tag;
  const std::string& host = env.hosts[0].name;
  const std::string pool_dir = "/var/lib/virtplan/" + name;
  const auto base = [&](const std::string& file, const std::string& digest) {
    return fmt::format("  base: {{host: {}, pool: {}, format: qcow2, base_only: true, source: {}}}\n", host,
                       name, by_sha256(server.url(file), digest));
  };
  const auto clone = [&](const std::string& clone_name) {
    return fmt::format("  {}: {{host: {}, pool: {}, capacity: 4MiB, backing: base}}\n", clone_name, host,
                       name);
  };
  const std::string stack = write_stack(stack_text(env, name, base("disk.qcow2", images.disk) + clone("c1")));
  const StackCleanup cleanup{env, stack, images.forget()};

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  const std::string old_image = fmt::format("{}/sha256-{}", k_cache, images.disk);
  const std::string new_image = fmt::format("{}/sha256-{}", k_cache, images.other);
  // The clone is an overlay of the cached image, not of the base's file.
  CHECK(has(env.run_in(0, fmt::format("qemu-img info -U {}/c1", pool_dir)), "backing file: " + old_image));
  // The clone's own data, written by its user.
  env.run_in(0, fmt::format("qemu-io -f qcow2 -c 'write -P 0x5a 2M 64k' {}/c1 >/dev/null", pool_dir));
  const std::string c1_before = env.run_in(0, fmt::format("sha256sum <{}/c1", pool_dir));

  // Another image for the base, and a new clone.
  write_stack_at(stack, stack_text(env, name, base("other.qcow2", images.other) + clone("c1") + clone("c2")));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(has(plan.output, "~ volume.base@" + host));
  CHECK(has(plan.output, fmt::format("new base sha256:{}… for new clones; clones made of sha256:{}… keep it",
                                     images.other.substr(0, 12), images.disk.substr(0, 12))));
  CHECK(has(plan.output, "+ volume.c2@" + host));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  CHECK(has(plan.output, "0 to replace"));

  const auto renew = run_virtplan("apply --auto-approve -f " + stack);
  INFO(renew.output);
  REQUIRE(renew.status == 0);
  // c1: its data and its base, untouched; c2 and the base: the new image.
  CHECK(env.run_in(0, fmt::format("sha256sum <{}/c1", pool_dir)) == c1_before);
  CHECK(has(env.run_in(0, fmt::format("qemu-img info -U {}/c1", pool_dir)), "backing file: " + old_image));
  CHECK(has(env.run_in(0, fmt::format("qemu-io -r -f qcow2 -c 'read -P 0x5a 2M 64k' {}/c1", pool_dir)),
            "read 65536/65536 bytes"));
  CHECK(has(env.run_in(0, fmt::format("qemu-img info -U {}/c2", pool_dir)), "backing file: " + new_image));
  CHECK(has(env.run_in(0, fmt::format("qemu-img compare -U {} {}/base", new_image, pool_dir)),
            "Images are identical"));
  CHECK(has(env.run_in(0, "cat /var/lib/virtplan/ledger/" + name + ".json"), images.other));
  const auto empty = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(empty.output);
  CHECK(empty.status == 0);
}

TEST_CASE(
    "virtplan gc removes only what this stack fetched and nothing uses, never a locked or foreign file") {
  const LabEnv env = require_lab(1);
  const Images images('r');
  const ImageServer server(images.dir, peer(env));
  const std::string first = "gca-" + images.tag, second = "gcb-" + images.tag;
  const std::string a = write_stack(one_image(env, first, server.url("disk.qcow2"), images.disk));
  const std::string b = write_stack(one_image(env, second, server.url("other.qcow2"), images.other));
  // Files virtplan did not write: a name of its own, and an image name without a record.
  const std::string foreign = fmt::format("{}/notes-{}.txt", k_cache, images.tag);
  const std::string unrecorded = fmt::format("{}/sha256-{:0>64}", k_cache, getpid());
  const StackCleanup a_cleanup{env, a, images.forget() + fmt::format("; rm -f {} {}", foreign, unrecorded)};
  const StackCleanup b_cleanup{env, b};
  REQUIRE(run_virtplan("apply --auto-approve -f " + a).status == 0);
  REQUIRE(run_virtplan("apply --auto-approve -f " + b).status == 0);
  env.run_in(0, fmt::format("echo mine > {} && echo cached > {}", foreign, unrecorded));
  const std::string disk = fmt::format("{}/sha256-{}", k_cache, images.disk);
  const std::string other = fmt::format("{}/sha256-{}", k_cache, images.other);
  const auto exists = [&](const std::string& path) {
    return env.run_in(0, fmt::format("test -f {} && echo yes || echo no", path)) == "yes\n";
  };

  // In use by the stack: nothing to collect; the other stack's image is its ledger's.
  const auto in_use = run_virtplan("gc --dry-run -f " + a);
  INFO(in_use.output);
  CHECK(in_use.status == 0);
  CHECK(has(in_use.output, "sha256-" + images.disk.substr(0, 12) + "…  "));
  CHECK(has(in_use.output, "kept: named by this stack"));
  CHECK(has(in_use.output, "kept: in the ledger of stack " + second));
  CHECK(has(in_use.output, "Nothing to collect."));

  // The volume goes: its image is this stack's to remove, but not while a fetch holds its lock.
  write_stack_at(
      a, stack_text(env, first,
                    fmt::format("  e: {{host: {}, pool: {}, capacity: 1MiB}}\n", env.hosts[0].name, first)));
  REQUIRE(run_virtplan("apply --auto-approve -f " + a).status == 0);
  const std::string holder =
      env.run_in(0, fmt::format("flock -o {}.lock sleep 30 </dev/null >/dev/null 2>&1 & echo $!", disk));
  const auto locked = run_virtplan("gc --auto-approve -f " + a);
  env.run_in(0, "kill " + holder + " 2>/dev/null; true");
  INFO(locked.output);
  CHECK(has(locked.output, "kept: a fetch holds its lock"));
  CHECK(exists(disk));

  const auto listed = run_virtplan("gc --dry-run -f " + a);
  INFO(listed.output);
  CHECK(listed.status == 0);
  CHECK(has(listed.output, "  - sha256-" + images.disk.substr(0, 12) + "…  "));
  CHECK(has(listed.output, "kept: no record of which stack fetched it"));
  CHECK(exists(disk));

  const auto collected = run_virtplan("gc --auto-approve -f " + a);
  INFO(collected.output);
  CHECK(collected.status == 0);
  CHECK(has(collected.output, "removed"));
  CHECK_FALSE(exists(disk));
  CHECK_FALSE(exists(disk + ".stacks"));
  // The other stack's image, its record, and the files virtplan did not write: untouched.
  CHECK(exists(other));
  CHECK(env.run_in(0, fmt::format("cat {}.stacks {} {}", other, foreign, unrecorded)) ==
        second + "\nmine\ncached\n");
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + b);
  INFO(plan.output);
  CHECK(plan.status == 0);
}
