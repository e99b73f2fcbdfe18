#include "providers/virsh/virsh_error.h"

#include <catch2/catch.hpp>

using namespace virtplan::providers;

TEST_CASE("virsh_error: messages map to codes", "[virsh]") {
  struct Case {
    const char* message;
    ErrorCode code;
  };
  const Case cases[] = {
      {"failed to get domain 'web'", ErrorCode::not_found},
      {"Domain not found: no domain with matching name 'web'", ErrorCode::not_found},
      {"no domain with matching name 'web'", ErrorCode::not_found},
      {"failed to get network 'n': Network not found: no network with matching name 'n'",
       ErrorCode::not_found},
      {"Storage pool not found: no storage pool with matching name 'p'", ErrorCode::not_found},
      {"failed to get vol 'v': Storage volume not found: no storage vol with matching path 'v'",
       ErrorCode::not_found},
      {"operation failed: network 'default' already exists with uuid dd8f", ErrorCode::already_exists},
      {"Failed to define domain from /dev/stdin: XML error: an os <type> must be specified",
       ErrorCode::invalid},
      {"invalid argument: could not find capabilities for arch=x", ErrorCode::invalid},
      {"unsupported configuration: spice graphics are not supported", ErrorCode::invalid},
      {"internal error: Unexpected root element <x>, expecting <domain> in XML", ErrorCode::invalid},
      {"Failed to define domain from /dev/stdin: (domain_definition):1: Opening and ending tag "
       "mismatch: name line 1 and nam",
       ErrorCode::invalid},
      {"failed to connect to the hypervisor: Failed to connect socket", ErrorCode::unreachable},
      // A lookup over a connection that broke is no proof of absence.
      {"failed to get domain 'web': Disconnected from qemu:///system due to end of file",
       ErrorCode::unreachable},
      {"failed to get network 'n': End of file while reading data: Input/output error",
       ErrorCode::unreachable},
      {"failed to get pool 'p': internal error: client socket is closed", ErrorCode::unreachable},
      {"Failed to reconnect to the hypervisor: Cannot recv data: Connection reset by peer",
       ErrorCode::unreachable},
      // virsh always adds libvirt's words for a missing pool: alone, the
      // lookup failure says nothing of absence.
      {"failed to get pool 'p'", ErrorCode::other},
      {"internal error: process exited while connecting to monitor", ErrorCode::other},
      {"Requested operation is not valid: domain is not running", ErrorCode::other},
      {"sudo: a password is required", ErrorCode::other},
  };
  for (const auto& c : cases) {
    INFO(c.message);
    CHECK(classify_virsh_message(c.message) == c.code);
  }
}

TEST_CASE("virsh_error: keeps virsh's error lines, joined, after the context", "[virsh]") {
  auto error = virsh_error("lab1: virsh define",
                           "error: Failed to define domain from /dev/stdin\n"
                           "error: XML error: an os <type> must be specified  \n",
                           1);
  CHECK(error.code() == ErrorCode::invalid);
  CHECK(error.message() ==
        "lab1: virsh define: Failed to define domain from /dev/stdin: XML error: an os <type> "
        "must be specified");

  // libvirt's echo of the document and the caret line are not error lines.
  auto parse = virsh_error("local: virsh define",
                           "error: Failed to define domain from /dev/stdin\n"
                           "error: (domain_definition):1: Opening and ending tag mismatch\n"
                           "<domain><name>x</nam></domain>\n"
                           "-------------------^\n",
                           1);
  CHECK(parse.message() ==
        "local: virsh define: Failed to define domain from /dev/stdin: "
        "(domain_definition):1: Opening and ending tag mismatch");

  auto sudo = virsh_error("lab1: virsh list", "sudo: a password is required\n", 1);
  CHECK(sudo.message() == "lab1: virsh list: sudo: a password is required");
  CHECK(virsh_error("lab1: virsh list", "", 3).message() == "lab1: virsh list: exited with status 3");
  CHECK(virsh_error_lines("warning: x\nerror: a\nerror:   \nerror: b\n") ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("virsh_error: a bare domain lookup failure names the domain to confirm", "[virsh]") {
  CHECK(bare_domain_lookup_failure(Error(ErrorCode::not_found,
                                         "lab1: virsh domstate: failed to get domain "
                                         "'it''s'")) == std::optional<std::string>("it''s"));
  CHECK_FALSE(bare_domain_lookup_failure(
      Error(ErrorCode::not_found,
            "failed to get domain 'web': Domain not found: no domain with matching name 'web'")));
  CHECK_FALSE(bare_domain_lookup_failure(Error(ErrorCode::other, "failed to get domain 'web'")));
  CHECK_FALSE(bare_domain_lookup_failure(Error(ErrorCode::not_found, "failed to get network 'web'")));
}
