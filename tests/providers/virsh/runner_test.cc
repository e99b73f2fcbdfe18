#include "providers/virsh/runner.h"
#include "providers/host/local_transport.h"
#include "providers/xml/document.h"

#include "tests/providers/fake_transport.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

using namespace virtplan::providers;

namespace {

using Argv = std::vector<std::string>;

// The markers the runner put in a batch script, in order ("vpmark<nonce>n<i>e").
std::vector<std::string> markers_of(const Command& command) {
  static const std::regex marker("vpmark[0-9a-f]+n[0-9]+e");
  const std::string& script = command.argv.back();
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(script.begin(), script.end(), marker); it != std::sregex_iterator();
       ++it) {
    // Each marker appears twice (echo --err M; echo M): keep one.
    if (found.empty() || found.back() != it->str()) {
      found.push_back(it->str());
    }
  }
  return found;
}

// What virsh -q would print for a batch whose commands printed `outs` and
// `errs`, with the markers taken from the command.
CommandOutput batch_output(const Command& command, const std::vector<std::string>& outs,
                           const std::vector<std::string>& errs) {
  auto markers = markers_of(command);
  CommandOutput output;
  for (std::size_t i = 0; i < markers.size(); ++i) {
    output.out += markers[i];
    output.err += "error: " + markers[i] + "\n";
    if (i < outs.size()) {
      output.out += outs[i];
      output.err += errs[i];
    }
  }
  return output;
}

}  // namespace

TEST_CASE("virsh: run builds the argv and sends XML on stdin", "[virsh]") {
  FakeTransport fake("lab1");
  fake.reply("").reply("running\n");
  VirshRunner virsh(fake, "qemu:///system");
  REQUIRE(virsh.run({"define", "/dev/stdin"}, "<domain/>").has_value());
  auto state = virsh.run({"domstate", "--domain", "web; rm -rf /"});
  REQUIRE(state);
  CHECK(*state == "running\n");
  auto commands = fake.commands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].argv == Argv{"virsh", "-q", "-c", "qemu:///system", "define", "/dev/stdin"});
  CHECK(commands[0].stdin_data == "<domain/>");
  CHECK(commands[1].argv ==
        Argv{"virsh", "-q", "-c", "qemu:///system", "domstate", "--domain", "web; rm -rf /"});
  CHECK_FALSE(commands[1].stdin_data.has_value());
}

TEST_CASE("virsh: become sudo prefixes sudo -n, and a lone argument is quoted", "[virsh]") {
  FakeTransport fake;
  fake.reply("").reply("");
  VirshRunner virsh(fake, "qemu:///system", Become::sudo);
  REQUIRE(virsh.run({"list"}));
  // virsh parses a lone argument as a command string.
  REQUIRE(virsh.run({"a b"}));
  CHECK(fake.argvs() == std::vector<Argv>{{"sudo", "-n", "virsh", "-q", "-c", "qemu:///system", "list"},
                                          {"sudo", "-n", "virsh", "-q", "-c", "qemu:///system", "'a b'"}});
}

TEST_CASE("virsh: run maps failures", "[virsh]") {
  FakeTransport fake("lab1");
  fake.reply("", 1, "error: failed to get domain 'web'\n")
      .reply("other\n")  // the listing that confirms web is gone
      .reply("", 1,
             "error: Failed to define network from /dev/stdin\n"
             "error: operation failed: network 'default' already exists with uuid x\n")
      .fail_next(Error(ErrorCode::unreachable, "lab1: connection refused"));
  VirshRunner virsh(fake, "qemu:///system");
  auto missing = virsh.run({"dominfo", "--domain", "web"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::not_found);
  CHECK(missing.error().message() == "lab1: virsh dominfo: failed to get domain 'web'");
  auto exists = virsh.run({"net-define", "/dev/stdin"}, "<network/>");
  REQUIRE_FALSE(exists);
  CHECK(exists.error().code() == ErrorCode::already_exists);
  auto down = virsh.run({"list"});
  REQUIRE_FALSE(down);
  CHECK(down.error().code() == ErrorCode::unreachable);
  CHECK_FALSE(virsh.run({}));
}

// virsh says only "failed to get domain 'NAME'" both when the domain is gone
// and when the lookup failed over a connection that broke (libvirtd killed
// mid-apply): a destroy that took the second for the first reported a
// domain destroyed that was still defined.
TEST_CASE("virsh: a bare domain lookup failure is not_found only when a listing agrees", "[virsh]") {
  FakeTransport fake("lab1");
  fake.reply("", 1, "error: failed to get domain 'web'\n")
      .reply("db\nweb\n")  // still listed
      .reply("", 1, "error: failed to get domain 'web'\n")
      .reply("", 1, "error: Failed to reconnect to the hypervisor\n")  // the listing fails too
      .reply("", 1, "error: failed to get domain 'web'\n")
      .reply("db\n");  // not listed: gone
  VirshRunner virsh(fake, "qemu:///system");

  auto listed = virsh.run({"domstate", "--domain", "web"});
  REQUIRE_FALSE(listed);
  CHECK(listed.error().code() == ErrorCode::other);
  CHECK(listed.error().message().find("though libvirtd lists it") != std::string::npos);

  auto unknown = virsh.run({"domstate", "--domain", "web"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::unreachable);
  CHECK(unknown.error().message().find("whether it is gone is unknown") != std::string::npos);

  auto gone = virsh.run({"domstate", "--domain", "web"});
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code() == ErrorCode::not_found);

  const auto argvs = fake.argvs();
  REQUIRE(argvs.size() == 6);
  for (std::size_t i : {1U, 3U, 5U}) {
    CHECK(std::vector<std::string>(argvs[i].end() - 3, argvs[i].end()) ==
          std::vector<std::string>{"list", "--all", "--name"});
  }
}

TEST_CASE("virsh: a lookup failure with libvirt's own words needs no listing", "[virsh]") {
  FakeTransport fake("lab1");
  fake.reply(
          "", 1,
          "error: failed to get network 'lan'\nerror: Network not found: no network with matching name 'lan'\n")
      .reply(
          "", 1,
          "error: failed to get domain 'web'\nerror: Disconnected from qemu:///system due to end of file\n");
  VirshRunner virsh(fake, "qemu:///system");
  auto network = virsh.run({"net-info", "--network", "lan"});
  REQUIRE_FALSE(network);
  CHECK(network.error().code() == ErrorCode::not_found);
  auto broken = virsh.run({"domstate", "--domain", "web"});
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code() == ErrorCode::unreachable);
  CHECK(fake.argvs().size() == 2);
}

TEST_CASE("virsh: batch script quotes each word and marks both streams", "[virsh]") {
  FakeTransport fake;
  fake.respond_with([](const Command& command) -> Result<CommandOutput> {
    return batch_output(command, {"a\n", "b\n"}, {"", ""});
  });
  VirshRunner virsh(fake, "test:///default");
  auto results = virsh.batch({{"dumpxml", "--domain", "it's"}, {"net-list", "--all"}});
  REQUIRE(results.size() == 2);
  CHECK(results[0].value() == "a\n");
  CHECK(results[1].value() == "b\n");
  auto commands = fake.commands();
  REQUIRE(commands.size() == 1);
  const Argv& argv = commands[0].argv;
  REQUIRE(argv.size() == 5);
  CHECK(Argv(argv.begin(), argv.begin() + 4) == Argv{"virsh", "-q", "-c", "test:///default"});
  auto m = markers_of(commands[0]);
  REQUIRE(m.size() == 3);
  CHECK(argv[4] == fmt::format("echo --err {0} ; echo {0} ; dumpxml --domain 'it'\\''s' ; "
                               "echo --err {1} ; echo {1} ; net-list --all ; "
                               "echo --err {2} ; echo {2}",
                               m[0], m[1], m[2]));
  // A fresh nonce every batch.
  virsh.batch({{"list"}});
  CHECK(markers_of(fake.commands()[1])[0] != m[0]);
}

TEST_CASE("virsh: batch attributes a failure in the middle to its command", "[virsh]") {
  FakeTransport fake("lab1");
  fake.respond_with([](const Command& command) -> Result<CommandOutput> {
    auto output = batch_output(command, {"<domain/>\n", "", "running\n"},
                               {"", "error: failed to get domain 'b'\n", ""});
    output.exit_status = 0;  // virsh reports only the last command's status
    return output;
  });
  VirshRunner virsh(fake, "qemu:///system");
  auto results = virsh.batch(
      {{"dumpxml", "--domain", "a"}, {"dumpxml", "--domain", "b"}, {"domstate", "--domain", "c"}});
  REQUIRE(results.size() == 3);
  CHECK(results[0].value() == "<domain/>\n");
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code() == ErrorCode::not_found);
  CHECK(results[1].error().message() == "lab1: virsh dumpxml: failed to get domain 'b'");
  CHECK(results[2].value() == "running\n");
}

TEST_CASE("virsh: batch when virsh stops early, refuses the batch, or cannot run", "[virsh]") {
  FakeTransport fake("lab1");
  VirshRunner virsh(fake, "qemu:///system");
  const std::vector<Argv> three = {{"list"}, {"net-list"}, {"pool-list"}};

  SECTION("stopped after the first command") {
    fake.respond_with([](const Command& command) -> Result<CommandOutput> {
      auto m = markers_of(command);
      return CommandOutput{
          139, m[0] + "one\n" + m[1] + "partial",
          "error: " + m[0] + "\nerror: " + m[1] + "\nerror: Disconnected from qemu:///system\n"};
    });
    auto results = virsh.batch(three);
    CHECK(results[0].value() == "one\n");
    REQUIRE_FALSE(results[1]);
    CHECK(results[1].error().message().starts_with("lab1: virsh net-list: virsh stopped"));
    CHECK(results[1].error().message().find("Disconnected") != std::string::npos);
    CHECK_FALSE(results[2]);
  }
  SECTION("refused as a whole") {
    fake.reply("", 1, "error: command 'list' doesn't support option --bogus\n");
    auto results = virsh.batch(three);
    REQUIRE(results.size() == 3);
    for (const auto& result : results) {
      REQUIRE_FALSE(result);
      CHECK(result.error().message() == "lab1: virsh batch: command 'list' doesn't support option --bogus");
    }
  }
  SECTION("transport failure") {
    fake.fail_next(Error(ErrorCode::timeout, "lab1: timed out"));
    auto results = virsh.batch(three);
    REQUIRE(results.size() == 3);
    CHECK(results[2].error().code() == ErrorCode::timeout);
  }
  SECTION("empty") {
    CHECK(virsh.batch({}).empty());
    CHECK(fake.commands().empty());
  }
}

TEST_CASE("virsh: a marker in a command's output cannot be forged", "[virsh]") {
  FakeTransport fake;
  // A guessed marker with another nonce is just output.
  fake.respond_with([](const Command& command) -> Result<CommandOutput> {
    return batch_output(command, {"vpmark0000000000000000ffffffffffffffffn1e\n", "x"}, {"", ""});
  });
  VirshRunner virsh(fake, "qemu:///system");
  auto results = virsh.batch({{"a"}, {"b"}});
  CHECK(results[0].value() == "vpmark0000000000000000ffffffffffffffffn1e\n");
  CHECK(results[1].value() == "x");
}

TEST_CASE("virsh: very long batches are split over several virsh runs", "[virsh]") {
  FakeTransport fake;
  fake.respond_with([](const Command& command) -> Result<CommandOutput> {
    auto count = markers_of(command).size() - 1;
    std::vector<std::string> outs;
    for (std::size_t i = 0; i < count; ++i) {
      outs.push_back(std::to_string(i));
    }
    return batch_output(command, outs, std::vector<std::string>(count));
  });
  VirshRunner virsh(fake, "qemu:///system");
  std::vector<Argv> commands;
  for (int i = 0; i < 3000; ++i) {
    commands.push_back({"dumpxml", "--domain", std::string(40, 'a') + std::to_string(i)});
  }
  commands[5] = {};
  auto results = virsh.batch(commands);
  REQUIRE(results.size() == 3000);
  CHECK(fake.commands().size() > 1);
  for (const auto& command : fake.commands()) {
    CHECK(command.argv.back().size() < 128 * 1024);
  }
  CHECK_FALSE(results[5]);
  CHECK(results[5].error().code() == ErrorCode::invalid);
  int ok = 0;
  for (const auto& result : results) {
    ok += result.has_value() ? 1 : 0;
  }
  CHECK(ok == 2999);
}

// Against the real virsh and libvirt's test driver (test:///default: a domain
// "test", a network "default", a pool "default-pool"; its state lives only as
// long as one virsh process, which suits batches).

TEST_CASE("virsh real: a batch with a failing command in the middle", "[virsh][real]") {
  LocalTransport local;
  VirshRunner virsh(local, "test:///default");
  auto results = virsh.batch({{"domstate", "--domain", "test"},
                              {"dominfo", "--domain", "nope"},
                              {"destroy", "--domain", "test"},  // prints nothing under -q
                              {"domstate", "--domain", "test"},
                              {"net-info", "--network", "nope"},
                              {"dumpxml", "--domain", "test", "--xpath", "/domain/name"},
                              {"pool-info", "--pool", "nope"}});
  REQUIRE(results.size() == 7);
  CHECK(results[0].value() == "running\n");
  REQUIRE_FALSE(results[1]);
  CHECK(results[1].error().code() == ErrorCode::not_found);
  CHECK(results[1].error().message() == "local: virsh dominfo: failed to get domain 'nope'");
  CHECK(results[2].value() == "");
  CHECK(results[3].value() == "shut off\n");
  REQUIRE_FALSE(results[4]);
  CHECK(results[4].error().code() == ErrorCode::not_found);
  CHECK(results[5].value() == "<name>test</name>\n");
  REQUIRE_FALSE(results[6]);
  CHECK(results[6].error().code() == ErrorCode::not_found);
}

TEST_CASE("virsh real: run, errors and XML on stdin", "[virsh][real]") {
  LocalTransport local;
  VirshRunner virsh(local, "test:///default");
  auto xml = virsh.run({"net-dumpxml", "--network", "default"});
  REQUIRE(xml);
  auto doc = XmlDocument::parse(*xml);
  REQUIRE(doc);
  CHECK(doc->root().child("name")->text() == "default");

  auto exists = virsh.run({"net-define", "/dev/stdin"}, "<network><name>default</name></network>");
  REQUIRE_FALSE(exists);
  CHECK(exists.error().code() == ErrorCode::already_exists);
  auto bad =
      virsh.run({"define", "/dev/stdin"}, "<domain type='test'><name>x</name><memory>1</memory></domain>");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::invalid);
  CHECK(bad.error().message().starts_with("local: virsh define: Failed to define domain"));
  auto missing = virsh.run({"domstate", "--domain", "nope"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::not_found);
  auto refused = virsh.batch({{"list"}, {"dominfo", "--bogus"}});
  REQUIRE_FALSE(refused[0]);
  CHECK(refused[0].error().message().find("--bogus") != std::string::npos);
}

TEST_CASE("virsh real: hostile domain names survive virsh's parser", "[virsh][real]") {
  const std::vector<std::string> names = {
      "q'uote",    "dq\"uote",    "semi;colon", "$(touch vp-pwned-virsh-name)",
      "sp ace",    "back\\slash", "#hash",      "`touch vp-pwned-virsh-bt`",
      "tab\there", "--dashes"};
  auto dir = std::filesystem::temp_directory_path() / fmt::format("vp virsh 'test' {}", ::getpid());
  std::filesystem::create_directories(dir);
  LocalTransport local;
  VirshRunner virsh(local, "test:///default");
  std::vector<Argv> commands;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto doc = XmlDocument::create("domain");
    doc.root().set_attr("type", "test");
    doc.root().add_child("name").set_text(names[i]);
    doc.root().add_child("memory").set_text("1048576");
    doc.root().add_child("os").add_child("type").set_text("hvm");
    auto file = dir / fmt::format("dom;{}.xml", i);
    std::ofstream(file) << doc.to_string();
    commands.push_back({"define", "--file", file.string()});
    commands.push_back({"start", "--domain", names[i]});
    commands.push_back({"dumpxml", "--domain", names[i]});
    commands.push_back({"domstate", "--domain", names[i]});
  }
  commands.push_back({"list", "--all", "--name"});
  auto results = virsh.batch(commands);
  std::filesystem::remove_all(dir);
  REQUIRE(results.size() == commands.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO("name: " << names[i]);
    for (std::size_t k = 0; k < 4; ++k) {
      INFO((results[4 * i + k] ? "" : results[4 * i + k].error().message()));
      REQUIRE(results[4 * i + k].has_value());
    }
    auto doc = XmlDocument::parse(*results[4 * i + 2]);
    REQUIRE(doc);
    CHECK(doc->root().child("name")->text() == names[i]);
    CHECK(*results[4 * i + 3] == "running\n");
    CHECK(results.back()->find(names[i] + "\n") != std::string::npos);
  }
  // Names cannot hold '/': the payloads would touch the current directory.
  CHECK_FALSE(std::filesystem::exists("vp-pwned-virsh-name"));
  CHECK_FALSE(std::filesystem::exists("vp-pwned-virsh-bt"));
}

TEST_CASE("virsh real: 200 commands in one batch, empty outputs in place", "[virsh][real]") {
  LocalTransport local;
  VirshRunner virsh(local, "test:///default");
  std::vector<Argv> commands;
  for (int i = 0; i < 200; ++i) {
    switch (i % 4) {
      case 0:
        commands.push_back({"domstate", "--domain", "test"});
        break;
      case 1:
        commands.push_back({"echo"});
        break;  // prints nothing
      case 2:
        commands.push_back({"echo", "--", std::to_string(i)});
        break;
      default:
        commands.push_back({"domstate", "--domain", "missing" + std::to_string(i)});
        break;
    }
  }
  auto results = virsh.batch(commands);
  REQUIRE(results.size() == 200);
  for (int i = 0; i < 200; ++i) {
    INFO("command " << i);
    switch (i % 4) {
      case 0:
        CHECK(results[i].value() == "running\n");
        break;
      case 1:
        CHECK(results[i].value() == "");
        break;
      case 2:
        CHECK(results[i].value() == std::to_string(i));
        break;
      default:
        REQUIRE_FALSE(results[i]);
        CHECK(results[i].error().message().find("'missing" + std::to_string(i) + "'") != std::string::npos);
        break;
    }
  }
}

// A secret virsh takes only as an argument (metadata --set) goes on the
// standard input of an interactive virsh: no command line holds it.
TEST_CASE(
    "virsh: run_secret sends the command on stdin, and fails on virsh's error lines or a word not "
    "printable ASCII",
    "[virsh]") {
  FakeTransport fake("lab1");
  fake.reply("").reply("", 0, "error: Requested operation is not valid: domain is not running\n");
  VirshRunner virsh(fake, "qemu:///system", Become::sudo);
  REQUIRE(virsh.run_secret({"metadata", "--domain", "web", "--set", "<owner>s3cret &amp; &#xe9;</owner>"}));
  auto refused = virsh.run_secret({"metadata", "--domain", "web", "--set", "<owner/>"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() ==
        "lab1: virsh metadata: Requested operation is not valid: domain is not running");
  auto commands = fake.commands();
  REQUIRE(commands.size() == 2);
  // sudo first, then a script that gives virsh a private readline history
  // (an interactive virsh writes every line it read to its history file).
  REQUIRE(commands[0].argv.size() == 10);
  CHECK(Argv(commands[0].argv.begin(), commands[0].argv.begin() + 3) == Argv{"sudo", "-n", "sh"});
  CHECK(commands[0].argv[4].find("XDG_CACHE_HOME=\"$d\" INPUTRC=/dev/null") != std::string::npos);
  CHECK(Argv(commands[0].argv.begin() + 5, commands[0].argv.end()) ==
        Argv{"virtplan-virsh-private", "virsh", "-q", "-c", "qemu:///system"});
  CHECK(commands[0].stdin_data == "metadata --domain web --set '<owner>s3cret &amp; &#xe9;</owner>'\n");
  // Readline would act on a control character, and a command line would
  // show the word: neither happens.
  auto control = virsh.run_secret({"metadata", "--set", "<owner>a\nb</owner>"});
  REQUIRE_FALSE(control);
  CHECK(control.error().code() == ErrorCode::invalid);
  auto beyond_ascii = virsh.run_secret({"metadata", "--set", "<owner>\u00e9</owner>"});
  REQUIRE_FALSE(beyond_ascii);
  CHECK(fake.commands().size() == 2);
}
