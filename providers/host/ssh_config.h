#pragma once

// OpenSSH client configuration (ssh_config(5)) read by virtplan itself, for the
// keywords that decide how a host is reached: which machine, user, port, keys,
// known_hosts, jump hosts and timings. libssh's own parser
// (ssh_options_parse_config) is not used: it turns ProxyJump into a spawned
// `ssh -W`, and virtplan opens every hop itself (docs/ssh.md, "ssh_config").
//
// As in OpenSSH, the first value obtained for a keyword wins, except
// IdentityFile and CertificateFile, which add up. Keywords that would change
// behaviour and are not supported are named in `warnings`, never dropped
// silently.

#include "providers/base/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// What the configuration says about one host, tokens (%h, %r, ...) and `~`
// not yet expanded: expand_ssh_tokens() does that once user and host are final.
struct SshConfigOptions {
  std::optional<std::string> hostname;
  std::optional<std::string> user;
  std::optional<int> port;
  std::vector<std::string> identity_files;
  std::optional<bool> identities_only;
  std::optional<std::string> identity_agent;
  std::vector<std::string> certificate_files;
  std::optional<std::string> proxy_jump;  // "none", or "a,b" (outermost first)
  std::optional<std::string> user_known_hosts_file;
  std::optional<std::string> global_known_hosts_file;
  std::optional<std::string> strict_host_key_checking;  // as written: yes, accept-new, no, ...
  std::optional<int> connect_timeout;                   // seconds
  std::optional<int> server_alive_interval;             // seconds
  std::optional<int> server_alive_count_max;
  // "FILE:LINE: ProxyCommand is not supported by virtplan and is ignored"...
  std::vector<std::string> warnings;
};

// Where one configuration file came from: OpenSSH resolves a relative
// Include against ~/.ssh for a user file and /etc/ssh for the system file.
enum class SshConfigScope { user, system };

struct SshConfigFile {
  std::string path;
  SshConfigScope scope = SshConfigScope::user;
  bool must_exist = false;  // a file the stack or the environment names
};

// The files that configure `host_file` (the host entry's `ssh_config:` key,
// if any): that file alone; else $VIRTPLAN_SSH_CONFIG alone; else
// ~/.ssh/config, then /etc/ssh/ssh_config, as OpenSSH reads them.
std::vector<SshConfigFile> ssh_config_files(const std::optional<std::string>& host_file);

// Reads the options for `host` (the name as the stack wrote it) from `files`
// in order; `user` is the user known so far, for `Match user`. A named file
// that is missing, an Include loop, or a line that cannot be read fails with
// ErrorCode::invalid, naming FILE:LINE.
Result<SshConfigOptions> read_ssh_config(const std::vector<SshConfigFile>& files, std::string_view host,
                                         const std::optional<std::string>& user);

// The same, from text (unit tests): `origin` names it in messages.
Result<SshConfigOptions> parse_ssh_config(std::string_view text, std::string_view origin,
                                          std::string_view host, const std::optional<std::string>& user,
                                          SshConfigScope scope = SshConfigScope::user);

// Whether `name` matches an ssh_config pattern list ("*.lab,!bad.lab"):
// some positive pattern matches and no negated one does; `*` and `?`
// wildcards; host names compared without case.
bool ssh_pattern_list_matches(std::string_view patterns, std::string_view name);

// The values tokens stand for in IdentityFile, CertificateFile,
// UserKnownHostsFile and IdentityAgent.
struct SshTokens {
  std::string alias;     // %n: the host as the stack wrote it
  std::string hostname;  // %h
  std::string user;      // %r
  int port = 22;         // %p
};

// Expands a leading `~` and the tokens %d %u %h %r %p %n %l %i %%; fails
// on an unknown token.
Result<std::string> expand_ssh_tokens(std::string_view value, const SshTokens& tokens);

}  // namespace virtplan::providers
