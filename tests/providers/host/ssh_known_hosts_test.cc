#include "providers/host/known_hosts.h"
#include "providers/host/ssh_auth.h"
#include "providers/host/ssh_channel_job.h"
#include "providers/host/ssh_target.h"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace virtplan::providers;

namespace {

SshTarget lab_target(int port) {
  HostConfig config;
  config.name = "lab1";
  config.hostname = "10.231.1.2";
  config.port = port;
  config.known_hosts = "/var/tmp/lab/known_hosts";
  auto target = resolve_ssh_target(config);
  REQUIRE(target);
  return *target;
}

}  // namespace

TEST_CASE("resolve_ssh_target fills the defaults from the home directory") {
  const char* saved = std::getenv("HOME");
  std::string saved_home = saved ? saved : "";
  setenv("HOME", "/home/ops", 1);
  HostConfig config;
  config.name = "lab1";
  config.hostname = "10.231.1.2";
  auto target = resolve_ssh_target(config);
  if (saved) setenv("HOME", saved_home.c_str(), 1);
  REQUIRE(target);
  CHECK(target->known_hosts == "/home/ops/.ssh/known_hosts");
  CHECK(target->system_known_hosts == SystemKnownHosts::consulted);
  CHECK(target->default_identities == std::vector<std::string>{"/home/ops/.ssh/id_ed25519",
                                                               "/home/ops/.ssh/id_ecdsa",
                                                               "/home/ops/.ssh/id_rsa"});
  CHECK(target->where() == "lab1 (10.231.1.2:22)");
}

TEST_CASE("a known_hosts file named in the stack is the only one consulted") {
  CHECK(lab_target(22).system_known_hosts == SystemKnownHosts::ignored);
}

TEST_CASE("resolve_ssh_target refuses a port out of range") {
  HostConfig config;
  config.name = "lab1";
  config.hostname = "h";
  config.port = 70000;
  auto target = resolve_ssh_target(config);
  REQUIRE_FALSE(target);
  CHECK(target.error().message() == "lab1: port 70000 is out of range");
}

TEST_CASE("known_hosts names follow OpenSSH: bare for port 22, bracketed otherwise") {
  CHECK(lab_target(22).known_hosts_name() == "10.231.1.2");
  CHECK(lab_target(2222).known_hosts_name() == "[10.231.1.2]:2222");
  SshTarget v6 = lab_target(22);
  v6.hostname = "fe80::1";
  CHECK(v6.where() == "lab1 ([fe80::1]:22)");
}

TEST_CASE("keyscan_type maps key types to ssh-keyscan -t names") {
  CHECK(keyscan_type("ssh-ed25519") == "ed25519");
  CHECK(keyscan_type("ecdsa-sha2-nistp256") == "ecdsa");
  CHECK(keyscan_type("ssh-rsa") == "rsa");
}

TEST_CASE("the unknown-key message names the key and says how to trust it") {
  CHECK(unknown_host_key_message(lab_target(22), "ssh-ed25519", "SHA256:abc") ==
        "lab1 (10.231.1.2:22): host key is not known: ssh-ed25519 SHA256:abc; check the "
        "fingerprint, then trust it with: ssh-keyscan -t ed25519 -p 22 10.231.1.2 >> "
        "/var/tmp/lab/known_hosts (or set host_key: accept-new)");
}

TEST_CASE("the changed-key message warns and says how to remove the old key") {
  const std::string message = changed_host_key_message(lab_target(2222), "ssh-ed25519", "SHA256:abc");
  CHECK_THAT(message, Catch::StartsWith("lab1 (10.231.1.2:2222): WARNING: the host key has CHANGED"));
  CHECK_THAT(message, Catch::Contains("ssh-ed25519 SHA256:abc"));
  CHECK_THAT(message, Catch::Contains("man-in-the-middle"));
  CHECK_THAT(message, Catch::EndsWith("ssh-keygen -f /var/tmp/lab/known_hosts -R '[10.231.1.2]:2222'"));
}

TEST_CASE("auth_methods_text lists the offered methods") {
  CHECK(auth_methods_text(SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD) == "publickey, password");
  CHECK(auth_methods_text(0) == "none");
}

TEST_CASE("signal_number knows the signals sshd reports") {
  CHECK(signal_number("KILL") == 9);
  CHECK(signal_number("TERM") == 15);
  CHECK(signal_number("SIGSEGV") == 11);
  CHECK(signal_number("NOSUCH") == 0);
}

TEST_CASE("host certificates: a @cert-authority line for the host is found, by pattern and port") {
  const std::string text =
      "# CA for the lab\n"
      "10.0.0.9 ssh-ed25519 AAAA\n"
      "@revoked 10.0.0.1 ssh-ed25519 AAAB\n"
      "@cert-authority *.lab,10.0.0.*,!10.0.0.66 ssh-ed25519 AAAC lab-ca\n";
  CHECK(cert_authority_line(text, "10.0.0.1") == std::optional<int>(4));
  CHECK(cert_authority_line(text, "HV1.LAB") == std::optional<int>(4));
  CHECK_FALSE(cert_authority_line(text, "10.0.0.66").has_value());
  CHECK_FALSE(cert_authority_line(text, "[10.0.0.1]:2222").has_value());
  CHECK(cert_authority_line("@cert-authority [10.0.0.1]:2222 ssh-ed25519 AAAC\n", "[10.0.0.1]:2222") ==
        std::optional<int>(1));
}

TEST_CASE("host certificates: the message says virtplan cannot check them, and what to do instead") {
  SshTarget target;
  target.name = "hv1";
  target.hostname = "10.0.0.1";
  target.known_hosts = "/home/ops/.ssh/known_hosts";
  CHECK(
      cert_authority_message(target, "/home/ops/.ssh/known_hosts", 4, "ssh-ed25519", "SHA256:abc") ==
      "hv1 (10.0.0.1:22): /home/ops/.ssh/known_hosts:4 trusts this host through a certificate authority "
      "(@cert-authority), but virtplan cannot check host certificates: its SSH library (libssh 0.10) ignores "
      "@cert-authority lines and never asks the server for its certificate; the host showed its plain key "
      "ssh-ed25519 SHA256:abc: check that fingerprint, then trust the key itself with: ssh-keyscan -t ed25519 "
      "-p 22 10.0.0.1 >> /home/ops/.ssh/known_hosts");
}
