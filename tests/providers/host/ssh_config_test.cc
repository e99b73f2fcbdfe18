// ssh_config(5) as virtplan reads it: patterns, first-match-wins, Match,
// Include, tokens, warnings for what it does not follow, and how a host entry
// resolves through it (the stack's own keys win).

#include "providers/host/ssh_config.h"
#include "providers/host/ssh_target.h"
#include "providers/host/transport_factory.h"
#include "tests/support/scratch_dir.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace virtplan::providers;
using virtplan::test::ScratchDir;

namespace {

SshConfigOptions parsed(std::string_view text, std::string_view host,
                        const std::optional<std::string>& user = std::nullopt) {
  auto options = parse_ssh_config(text, "cfg", host, user);
  INFO((options ? std::string("ok") : options.error().message()));
  REQUIRE(options);
  return *options;
}

bool warned(const SshConfigOptions& options, std::string_view words) {
  for (const std::string& warning : options.warnings) {
    if (warning.find(words) != std::string::npos) return true;
  }
  return false;
}

HostConfig entry(const std::string& address, const std::string& config_file) {
  HostConfig config;
  config.name = "hv";
  REQUIRE(parse_host_address(address, config));
  config.ssh_config = config_file;
  return config;
}

SshTarget resolved(const HostConfig& config) {
  auto target = resolve_ssh_target(config);
  INFO((target ? std::string("ok") : target.error().message()));
  REQUIRE(target);
  return *target;
}

}  // namespace

TEST_CASE("ssh_config: the first value for a keyword wins, across Host blocks") {
  const auto options = parsed(
      "Host web-hv1\n"
      "  HostName 10.0.0.5\n"
      "  Port 2222\n"
      "Host *\n"
      "  HostName wrong\n"
      "  User admin\n"
      "  Port 22\n",
      "web-hv1");
  CHECK(options.hostname == "10.0.0.5");
  CHECK(options.port == 2222);
  CHECK(options.user == "admin");
}

TEST_CASE("ssh_config: Host patterns take *, ? and !, without case") {
  const std::string text =
      "Host *.lab !bad.lab\n"
      "  User labuser\n"
      "Host hv?\n"
      "  Port 2200\n";
  CHECK(parsed(text, "good.lab").user == "labuser");
  CHECK_FALSE(parsed(text, "bad.lab").user);
  CHECK(parsed(text, "GOOD.LAB").user == "labuser");
  CHECK(parsed(text, "hv1").port == 2200);
  CHECK_FALSE(parsed(text, "hv12").port);
  CHECK(ssh_pattern_list_matches("a*,!ab", "ac"));
  CHECK_FALSE(ssh_pattern_list_matches("a*,!ab", "ab"));
  CHECK_FALSE(ssh_pattern_list_matches("!ab", "x"));
}

TEST_CASE("ssh_config: keyword=value, quotes and comments") {
  const auto options = parsed(
      "# a comment\n"
      "Host=x\n"
      "  IdentityFile=\"/keys/with space\" # trailing comment\n"
      "  ConnectTimeout 1m30s\n",
      "x");
  REQUIRE(options.identity_files.size() == 1);
  CHECK(options.identity_files[0] == "/keys/with space");
  CHECK(options.connect_timeout == 90);
}

TEST_CASE("ssh_config: IdentityFile and CertificateFile add up") {
  const auto options = parsed(
      "Host x\n"
      "  IdentityFile ~/.ssh/a\n"
      "  CertificateFile ~/.ssh/a-cert.pub\n"
      "Host *\n"
      "  IdentityFile ~/.ssh/b\n",
      "x");
  CHECK(options.identity_files == std::vector<std::string>{"~/.ssh/a", "~/.ssh/b"});
  CHECK(options.certificate_files == std::vector<std::string>{"~/.ssh/a-cert.pub"});
}

TEST_CASE(
    "ssh_config: Match host sees the HostName so far, Match originalhost the alias, Match user the user") {
  const std::string text =
      "Host web\n"
      "  HostName 10.1.2.3\n"
      "Match host 10.1.*\n"
      "  Port 2201\n"
      "Match originalhost web user deploy\n"
      "  IdentityFile /keys/deploy\n"
      "Match !host 10.* all\n"
      "  ProxyJump none\n";
  const auto web = parsed(text, "web", std::string("deploy"));
  CHECK(web.port == 2201);
  CHECK(web.identity_files == std::vector<std::string>{"/keys/deploy"});
  CHECK_FALSE(web.proxy_jump);
  const auto other = parsed(text, "other", std::string("root"));
  CHECK_FALSE(other.port);
  CHECK(other.identity_files.empty());
  CHECK(other.proxy_jump == "none");
}

TEST_CASE("ssh_config: Match exec is warned about and its block not applied") {
  const auto options = parsed(
      "Match exec \"true\"\n"
      "  Port 2\n",
      "x");
  CHECK_FALSE(options.port);
  CHECK(warned(options, "cfg:1: `Match exec` is not supported"));
}

TEST_CASE("ssh_config: unsupported keywords that apply are named in warnings, others not") {
  const auto options = parsed(
      "Host x\n"
      "  ProxyCommand nc %h %p\n"
      "  LocalForward 8080 localhost:80\n"
      "  ForwardAgent no\n"
      "  ForwardX11 yes\n"
      "  SendEnv LANG\n"
      "  NoSuchKeyword 1\n"
      "Host y\n"
      "  RemoteForward 1 a:1\n",
      "x");
  CHECK(warned(options, "cfg:2: ProxyCommand is not supported by virtplan and is ignored"));
  CHECK(warned(options, "cfg:3: LocalForward is not supported"));
  CHECK(warned(options, "cfg:5: `ForwardX11 yes` is not supported"));
  CHECK(warned(options, "cfg:7: unknown keyword `NoSuchKeyword`"));
  CHECK_FALSE(warned(options, "ForwardAgent"));
  CHECK_FALSE(warned(options, "SendEnv"));
  CHECK_FALSE(warned(options, "RemoteForward"));
  CHECK(options.warnings.size() == 4);
}

TEST_CASE("ssh_config: IgnoreUnknown silences unknown keywords it names") {
  const auto options = parsed(
      "IgnoreUnknown UseKeychain2,Other*\n"
      "UseKeychain2 yes\n"
      "OtherThing 1\n"
      "Third 1\n",
      "x");
  CHECK(options.warnings.size() == 1);
  CHECK(warned(options, "`Third`"));
}

TEST_CASE("ssh_config: bad values are errors naming the file and line") {
  auto port = parse_ssh_config("Host x\n  Port eighty\n", "cfg", "x", std::nullopt);
  REQUIRE_FALSE(port);
  CHECK(port.error().message().find("cfg:2: Port: 'eighty' is not a port") != std::string::npos);
  auto quote = parse_ssh_config("User \"unclosed\n", "cfg", "x", std::nullopt);
  REQUIRE_FALSE(quote);
  CHECK(quote.error().message().find("cfg:1: unclosed quote") != std::string::npos);
}

TEST_CASE("ssh_config: Include reads files (globs too) where it stands, under the block's condition") {
  ScratchDir dir;
  dir.write("inc-a.conf", "Host hv1\n  Port 2001\n");
  dir.write("inc-b.conf", "Host hv2\n  Port 2002\n");
  const std::string main = dir.write("config",
                                     "Host hv*\n"
                                     "  Include " +
                                         dir.path() +
                                         "/inc-*.conf\n"
                                         "Host other\n"
                                         "  Include " +
                                         dir.write("only-other.conf", "User other\n") + "\n");
  auto hv2 = read_ssh_config({{main, SshConfigScope::user, true}}, "hv2", std::nullopt);
  REQUIRE(hv2);
  CHECK(hv2->port == 2002);
  CHECK_FALSE(hv2->user);
  auto other = read_ssh_config({{main, SshConfigScope::user, true}}, "other", std::nullopt);
  REQUIRE(other);
  CHECK(other->user == "other");
  CHECK_FALSE(other->port);
}

TEST_CASE("ssh_config: an Include loop fails, a named missing file fails, a default missing file does not") {
  ScratchDir dir;
  const std::string loop = dir.write("loop", "");
  dir.write("loop", "Include " + loop + "\n");
  auto looped = read_ssh_config({{loop, SshConfigScope::user, true}}, "x", std::nullopt);
  REQUIRE_FALSE(looped);
  CHECK(looped.error().message().find("Include nested deeper") != std::string::npos);
  CHECK_FALSE(read_ssh_config({{"/nonexistent/vp", SshConfigScope::user, true}}, "x", std::nullopt));
  CHECK(read_ssh_config({{"/nonexistent/vp", SshConfigScope::user, false}}, "x", std::nullopt));
}

TEST_CASE("ssh_config: tokens and ~ in file names") {
  const SshTokens tokens{"web", "10.0.0.5", "admin", 2222};
  auto path = expand_ssh_tokens("%d/.ssh/%r@%h:%p-%n%%", tokens);
  REQUIRE(path);
  CHECK(*path == home_directory() + "/.ssh/admin@10.0.0.5:2222-web%");
  auto tilde = expand_ssh_tokens("~/.ssh/id_%h", tokens);
  REQUIRE(tilde);
  CHECK(*tilde == home_directory() + "/.ssh/id_10.0.0.5");
  CHECK_FALSE(expand_ssh_tokens("%C", tokens));
}

TEST_CASE(
    "ssh_config files: the host's ssh_config key, else VIRTPLAN_SSH_CONFIG, else the user and system files") {
  const auto named = ssh_config_files(std::string("/x/cfg"));
  REQUIRE(named.size() == 1);
  CHECK(named[0].path == "/x/cfg");
  CHECK(named[0].must_exist);
  setenv("VIRTPLAN_SSH_CONFIG", "/env/cfg", 1);
  const auto from_env = ssh_config_files(std::nullopt);
  unsetenv("VIRTPLAN_SSH_CONFIG");
  REQUIRE(from_env.size() == 1);
  CHECK(from_env[0].path == "/env/cfg");
  const auto defaults = ssh_config_files(std::nullopt);
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[0].path == home_directory() + "/.ssh/config");
  CHECK(defaults[1].path == "/etc/ssh/ssh_config");
  CHECK_FALSE(defaults[0].must_exist);
}

TEST_CASE("resolve_ssh_target: ssh://alias resolves through ssh_config") {
  ScratchDir dir;
  const std::string cfg = dir.write("config",
                                    "Host web-hv1\n"
                                    "  HostName 10.0.0.5\n"
                                    "  User admin\n"
                                    "  Port 2222\n"
                                    "  IdentityFile %d/keys/%r@%h\n"
                                    "  IdentityFile /keys/second\n"
                                    "  IdentitiesOnly yes\n"
                                    "  IdentityAgent none\n"
                                    "  UserKnownHostsFile /kh/%h\n"
                                    "  GlobalKnownHostsFile /kh/global\n"
                                    "  StrictHostKeyChecking accept-new\n"
                                    "  ConnectTimeout 7\n"
                                    "  ServerAliveInterval 4\n"
                                    "  ServerAliveCountMax 2\n");
  const SshTarget target = resolved(entry("ssh://web-hv1", cfg));
  CHECK(target.hostname == "10.0.0.5");
  CHECK(target.user == "admin");
  CHECK(target.port == 2222);
  CHECK(target.default_identities ==
        std::vector<std::string>{home_directory() + "/keys/admin@10.0.0.5", "/keys/second"});
  CHECK(target.identities_only);
  CHECK(target.identity_agent == "none");
  CHECK(target.known_hosts == "/kh/10.0.0.5");
  CHECK(target.global_known_hosts == "/kh/global");
  CHECK(target.host_key == HostKeyPolicy::accept_new);
  CHECK(target.connect_timeout == std::chrono::seconds(7));
  CHECK(target.keepalive == std::chrono::seconds(4));
  CHECK(target.keepalive_count == 2);
  CHECK(target.jumps.empty());
  CHECK(target.where() == "hv (10.0.0.5:2222)");
}

TEST_CASE("resolve_ssh_target: the stack's own keys win over ssh_config") {
  ScratchDir dir;
  const std::string cfg = dir.write("config",
                                    "Host web-hv1\n"
                                    "  HostName 10.0.0.5\n"
                                    "  User admin\n"
                                    "  Port 2222\n"
                                    "  IdentityFile /keys/cfg\n"
                                    "  UserKnownHostsFile /kh/cfg\n"
                                    "  StrictHostKeyChecking accept-new\n"
                                    "  ConnectTimeout 7\n"
                                    "  ServerAliveInterval 4\n");
  HostConfig config = entry("ssh://root@web-hv1:22", cfg);
  config.identity = "/keys/stack";
  config.known_hosts = "/kh/stack";
  config.given.host_key = true;
  config.connect_timeout = std::chrono::seconds(3);
  config.given.connect_timeout = true;
  config.keepalive = std::chrono::seconds(0);
  config.given.keepalive = true;
  const SshTarget target = resolved(config);
  CHECK(target.hostname == "10.0.0.5");  // the address names the alias, the file its address
  CHECK(target.user == "root");
  CHECK(target.port == 22);
  CHECK(target.identity == "/keys/stack");
  CHECK(target.known_hosts == "/kh/stack");
  CHECK(target.system_known_hosts == SystemKnownHosts::ignored);
  CHECK(target.host_key == HostKeyPolicy::strict);
  CHECK(target.connect_timeout == std::chrono::seconds(3));
  CHECK(target.keepalive == std::chrono::seconds(0));
}

TEST_CASE("resolve_ssh_target: VIRTPLAN_SSH_CONFIG names the file when the entry does not") {
  ScratchDir dir;
  const std::string cfg = dir.write("config", "Host envhost\n  HostName 10.9.9.9\n");
  HostConfig config = entry("ssh://envhost", cfg);
  config.ssh_config.reset();
  setenv("VIRTPLAN_SSH_CONFIG", cfg.c_str(), 1);
  auto target = resolve_ssh_target(config);
  unsetenv("VIRTPLAN_SSH_CONFIG");
  REQUIRE(target);
  CHECK(target->hostname == "10.9.9.9");
}

TEST_CASE("resolve_ssh_target: StrictHostKeyChecking no is refused, saying why and what to use") {
  ScratchDir dir;
  const std::string cfg = dir.write("config", "Host *\n  StrictHostKeyChecking no\n");
  auto target = resolve_ssh_target(entry("ssh://x", cfg));
  REQUIRE_FALSE(target);
  CHECK(target.error().code() == ErrorCode::invalid);
  CHECK(target.error().message().find("`StrictHostKeyChecking no`") != std::string::npos);
  CHECK(target.error().message().find("accept-new") != std::string::npos);
  // host_key in the stack decides instead: the file's value is not used.
  HostConfig config = entry("ssh://x", cfg);
  config.given.host_key = true;
  CHECK(resolve_ssh_target(config));
}

TEST_CASE("resolve_ssh_target: ProxyJump hops resolve through the same file, outermost first") {
  ScratchDir dir;
  const std::string cfg = dir.write("config",
                                    "Host inner\n"
                                    "  HostName 127.0.0.1\n"
                                    "  ProxyJump mid\n"
                                    "Host mid\n"
                                    "  HostName 10.0.0.2\n"
                                    "  User jumper\n"
                                    "  ProxyJump outer\n"
                                    "Host outer\n"
                                    "  HostName 10.0.0.1\n"
                                    "  Port 2200\n"
                                    "Host two\n"
                                    "  ProxyJump admin@outer:2201,mid\n"
                                    "Host direct\n"
                                    "  ProxyJump none\n");
  const SshTarget inner = resolved(entry("ssh://inner", cfg));
  REQUIRE(inner.jumps.size() == 2);
  CHECK(inner.jumps[0].hostname == "10.0.0.1");
  CHECK(inner.jumps[0].port == 2200);
  CHECK(inner.jumps[0].name == "bastion outer");
  CHECK(inner.jumps[1].hostname == "10.0.0.2");
  CHECK(inner.jumps[1].user == "jumper");
  CHECK(inner.jumps[1].jumps.empty());
  CHECK(inner.where() == "hv (127.0.0.1:22 via bastion outer, bastion mid)");
  CHECK(jump_chain_key(inner.jumps) == "root@10.0.0.1:2200>jumper@10.0.0.2:22");

  const SshTarget two = resolved(entry("ssh://two", cfg));
  REQUIRE(two.jumps.size() == 2);
  CHECK(two.jumps[0].user == "admin");
  CHECK(two.jumps[0].port == 2201);
  CHECK(two.jumps[1].hostname == "10.0.0.2");

  CHECK(resolved(entry("ssh://direct", cfg)).jumps.empty());
  // Hops that lead to each other are a loop, refused.
  const std::string loop = dir.write("loop", "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n");
  auto looped = resolve_ssh_target(entry("ssh://a", loop));
  REQUIRE_FALSE(looped);
  CHECK(looped.error().message().find("ProxyJump chain longer than") != std::string::npos);
}

TEST_CASE("resolve_ssh_target: hops keep the stack's known_hosts file and policy") {
  ScratchDir dir;
  const std::string cfg = dir.write("config", "Host t\n  ProxyJump b\n");
  HostConfig config = entry("ssh://t", cfg);
  config.known_hosts = "/kh/stack";
  config.host_key = HostKeyPolicy::accept_new;
  config.given.host_key = true;
  const SshTarget target = resolved(config);
  REQUIRE(target.jumps.size() == 1);
  CHECK(target.jumps[0].known_hosts == "/kh/stack");
  CHECK(target.jumps[0].host_key == HostKeyPolicy::accept_new);
}

TEST_CASE("resolve_ssh_target: warnings of the host and its hops are kept") {
  ScratchDir dir;
  const std::string cfg = dir.write("config",
                                    "Host t\n  ProxyJump b\n  LocalForward 1 a:1\n"
                                    "Host b\n  ProxyCommand nc %h %p\n");
  const SshTarget target = resolved(entry("ssh://t", cfg));
  REQUIRE(target.warnings.size() == 2);
  CHECK(target.warnings[0].find("LocalForward") != std::string::npos);
  CHECK(target.warnings[1].find("ProxyCommand") != std::string::npos);
}
