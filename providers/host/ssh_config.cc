#include "providers/host/ssh_config.h"

#include "providers/base/plain_text.h"
#include "providers/host/ssh_target.h"

#include <fmt/format.h>

#include <glob.h>
#include <pwd.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace virtplan::providers {

namespace {

// OpenSSH's own limit on nested Include files.
constexpr int k_max_include_depth = 16;

// What virtplan does with each keyword of ssh_config(5) that it knows. One
// table decides: a keyword that is not here is unknown, and warned about.
enum class Handling {
  hostname,
  user,
  port,
  identity_file,
  identities_only,
  identity_agent,
  certificate_file,
  proxy_jump,
  user_known_hosts_file,
  global_known_hosts_file,
  strict_host_key_checking,
  connect_timeout,
  server_alive_interval,
  server_alive_count_max,
  include,
  ignore_unknown,
  // Changes nothing virtplan does (logging, interactive use, multiplexing of
  // the ssh binary, authentication methods virtplan does not have anyway).
  harmless,
  // Harmless when off ("no"); anything else asks for something virtplan
  // does not do, which is warned about.
  harmless_when_no,
  // Would change where or how virtplan connects: warned about.
  unsupported,
};

struct Keyword {
  std::string_view name;  // lower case
  Handling handling;
};

constexpr Keyword k_keywords[] = {
    {"addkeystoagent", Handling::harmless},
    {"addressfamily", Handling::harmless},
    {"batchmode", Handling::harmless},
    {"bindaddress", Handling::unsupported},
    {"bindinterface", Handling::unsupported},
    {"canonicaldomains", Handling::harmless},
    {"canonicalizefallbacklocal", Handling::harmless},
    {"canonicalizehostname", Handling::harmless_when_no},
    {"canonicalizemaxdots", Handling::harmless},
    {"canonicalizepermittedcnames", Handling::harmless},
    {"casignaturealgorithms", Handling::unsupported},
    {"certificatefile", Handling::certificate_file},
    {"challengeresponseauthentication", Handling::harmless},
    {"checkhostip", Handling::harmless},
    {"ciphers", Handling::unsupported},
    {"clearallforwardings", Handling::harmless},
    {"compression", Handling::harmless},
    {"connectionattempts", Handling::harmless},
    {"connecttimeout", Handling::connect_timeout},
    {"controlmaster", Handling::harmless},
    {"controlpath", Handling::harmless},
    {"controlpersist", Handling::harmless},
    {"dynamicforward", Handling::unsupported},
    {"enableescapecommandline", Handling::harmless},
    {"enablesshkeysign", Handling::harmless},
    {"escapechar", Handling::harmless},
    {"exitonforwardfailure", Handling::harmless},
    {"fingerprinthash", Handling::harmless},
    {"forkafterauthentication", Handling::harmless},
    {"forwardagent", Handling::harmless_when_no},
    {"forwardx11", Handling::harmless_when_no},
    {"forwardx11timeout", Handling::harmless},
    {"forwardx11trusted", Handling::harmless},
    {"gatewayports", Handling::harmless},
    {"globalknownhostsfile", Handling::global_known_hosts_file},
    {"gssapiauthentication", Handling::harmless},
    {"gssapidelegatecredentials", Handling::harmless},
    {"hashknownhosts", Handling::harmless},
    {"hostbasedacceptedalgorithms", Handling::harmless},
    {"hostbasedauthentication", Handling::harmless},
    {"hostkeyalgorithms", Handling::unsupported},
    {"hostkeyalias", Handling::unsupported},
    {"hostname", Handling::hostname},
    {"identitiesonly", Handling::identities_only},
    {"identityagent", Handling::identity_agent},
    {"identityfile", Handling::identity_file},
    {"ignoreunknown", Handling::ignore_unknown},
    {"include", Handling::include},
    {"ipqos", Handling::harmless},
    {"kbdinteractiveauthentication", Handling::harmless},
    {"kbdinteractivedevices", Handling::harmless},
    {"kexalgorithms", Handling::unsupported},
    {"knownhostscommand", Handling::unsupported},
    {"localcommand", Handling::harmless},
    {"localforward", Handling::unsupported},
    {"loglevel", Handling::harmless},
    {"logverbose", Handling::harmless},
    {"macs", Handling::unsupported},
    {"nohostauthenticationforlocalhost", Handling::harmless_when_no},
    {"numberofpasswordprompts", Handling::harmless},
    {"passwordauthentication", Handling::harmless},
    {"permitlocalcommand", Handling::harmless},
    {"permitremoteopen", Handling::harmless},
    {"pkcs11provider", Handling::unsupported},
    {"port", Handling::port},
    {"preferredauthentications", Handling::harmless},
    {"proxycommand", Handling::unsupported},
    {"proxyjump", Handling::proxy_jump},
    {"proxyusefdpass", Handling::harmless},
    {"pubkeyacceptedalgorithms", Handling::unsupported},
    {"pubkeyacceptedkeytypes", Handling::unsupported},
    {"pubkeyauthentication", Handling::harmless},
    {"rekeylimit", Handling::harmless},
    {"remotecommand", Handling::unsupported},
    {"remoteforward", Handling::unsupported},
    {"requesttty", Handling::harmless},
    {"requiredrsasize", Handling::harmless},
    {"revokedhostkeys", Handling::unsupported},
    {"securitykeyprovider", Handling::unsupported},
    {"sendenv", Handling::harmless},
    {"serveraliveinterval", Handling::server_alive_interval},
    {"serveralivecountmax", Handling::server_alive_count_max},
    {"sessiontype", Handling::harmless},
    {"setenv", Handling::unsupported},
    {"stdinnull", Handling::harmless},
    {"streamlocalbindmask", Handling::harmless},
    {"streamlocalbindunlink", Handling::harmless},
    {"stricthostkeychecking", Handling::strict_host_key_checking},
    {"syslogfacility", Handling::harmless},
    {"tcpkeepalive", Handling::harmless},
    {"tunnel", Handling::harmless_when_no},
    {"tunneldevice", Handling::harmless},
    {"updatehostkeys", Handling::harmless},
    {"usekeychain", Handling::harmless},
    {"user", Handling::user},
    {"userknownhostsfile", Handling::user_known_hosts_file},
    {"verifyhostkeydns", Handling::harmless_when_no},
    {"visualhostkey", Handling::harmless},
    {"xauthlocation", Handling::harmless},
};

std::optional<Handling> handling_of(std::string_view keyword) {
  const auto* found = std::ranges::find(k_keywords, keyword, &Keyword::name);
  if (found == std::end(k_keywords)) return std::nullopt;
  return found->handling;
}

std::string local_user() {
  if (const passwd* entry = getpwuid(getuid()); entry != nullptr) return entry->pw_name;
  return "root";
}

// Splits a line into words: white space separates, double quotes group,
// `keyword=value` is `keyword value`. Fails on an unclosed quote.
std::optional<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    // Only the first `=` (after the keyword) separates.
    if (words.size() == 1 && i < line.size() && line[i] == '=') {
      ++i;
      continue;
    }
    if (i >= line.size()) break;
    std::string word;
    if (line[i] == '"') {
      const size_t close = line.find('"', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      word = std::string(line.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && !(words.empty() && line[i] == '=')) {
        word += line[i++];
      }
    }
    words.push_back(std::move(word));
  }
  return words;
}

bool wildcard_matches(std::string_view pattern, std::string_view text) {
  // Iterative `*`/`?` matching with one backtrack point.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Parses a time the way OpenSSH does: "30", "30s", "1m30s", "2h".
std::optional<int> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long total = 0;
  long number = 0;
  bool digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + (c - '0');
      digits = true;
      if (number > 100000000) return std::nullopt;
      continue;
    }
    if (!digits) return std::nullopt;
    long unit = 0;
    switch (std::tolower(static_cast<unsigned char>(c))) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 604800;
        break;
      default:
        return std::nullopt;
    }
    total += number * unit;
    number = 0;
    digits = false;
  }
  total += number;
  if (total > 100000000) return std::nullopt;
  return static_cast<int>(total);
}

std::optional<int> parse_count(std::string_view text, int least, int most) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > most) return std::nullopt;
  }
  if (text.empty() || value < least) return std::nullopt;
  return value;
}

std::optional<bool> parse_yes_no(std::string_view text) {
  const std::string value = lowercase(text);
  if (value == "yes" || value == "true") return true;
  if (value == "no" || value == "false") return false;
  return std::nullopt;
}

class Reader {
public:
  Reader(std::string_view host, const std::optional<std::string>& user) : m_host(host), m_user(user) {}

  Result<void> read_file(const SshConfigFile& file, int depth) {
    std::ifstream in(file.path);
    if (!in) {
      if (!file.must_exist) return {};
      return fail(ErrorCode::invalid, fmt::format("ssh_config {}: cannot be read", file.path));
    }
    std::stringstream text;
    text << in.rdbuf();
    return read_text(text.str(), file.path, file.scope, depth);
  }

  Result<void> read_text(std::string_view text, std::string_view origin, SshConfigScope scope, int depth) {
    if (depth > k_max_include_depth) {
      return fail(ErrorCode::invalid, fmt::format("ssh_config {}: Include nested deeper than {} (a loop?)",
                                                  origin, k_max_include_depth));
    }
    // Lines before the first Host or Match apply to every host.
    bool active = true;
    int number = 0;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
      ++number;
      const std::string where = fmt::format("{}:{}", origin, number);
      auto words = split_words(trimmed(line));
      if (!words) return fail(ErrorCode::invalid, fmt::format("ssh_config {}: unclosed quote", where));
      if (words->empty() || words->front().starts_with('#')) continue;
      const std::string keyword = lowercase(words->front());
      // A word starting with # ends the line.
      const auto comment =
          std::ranges::find_if(*words, [](const std::string& word) { return word.starts_with('#'); });
      std::vector<std::string> args(words->begin() + 1, comment);
      if (keyword == "host") {
        active = host_line_matches(args);
        continue;
      }
      if (keyword == "match") {
        auto matched = match_line_matches(args, where);
        if (!matched) return fail(matched.error());
        active = *matched;
        continue;
      }
      if (!active) continue;
      if (auto applied = apply(keyword, words->front(), args, where, scope, depth); !applied) {
        return fail(applied.error());
      }
    }
    return {};
  }

  SshConfigOptions take() { return std::move(m_options); }

private:
  bool host_line_matches(const std::vector<std::string>& patterns) const {
    bool matched = false;
    for (const std::string& pattern : patterns) {
      const bool negated = pattern.starts_with('!');
      const std::string_view body = negated ? std::string_view(pattern).substr(1) : pattern;
      if (!wildcard_matches(lowercase(body), lowercase(m_host))) continue;
      if (negated) return false;
      matched = true;
    }
    return matched;
  }

  // The host name as `Match host` sees it: HostName so far, else the alias.
  std::string current_hostname() const {
    if (!m_options.hostname) return m_host;
    std::string expanded;
    for (size_t i = 0; i < m_options.hostname->size(); ++i) {
      if ((*m_options.hostname)[i] == '%' && i + 1 < m_options.hostname->size() &&
          (*m_options.hostname)[i + 1] == 'h') {
        expanded += m_host;
        ++i;
      } else {
        expanded += (*m_options.hostname)[i];
      }
    }
    return expanded;
  }

  std::string current_user() const { return m_options.user.value_or(m_user.value_or(local_user())); }

  Result<bool> match_line_matches(const std::vector<std::string>& args, const std::string& where) {
    if (args.empty())
      return fail(ErrorCode::invalid, fmt::format("ssh_config {}: Match without criteria", where));
    bool all = true;
    for (size_t i = 0; i < args.size(); ++i) {
      std::string criterion = lowercase(args[i]);
      const bool negated = criterion.starts_with('!');
      if (negated) criterion.erase(0, 1);
      if (criterion == "all") continue;
      if (criterion == "canonical" || criterion == "final") {
        // virtplan does not canonicalize host names and reads the
        // configuration once: such blocks never apply.
        m_options.warnings.push_back(
            fmt::format("ssh_config {}: `Match {}` is not supported by virtplan; the block is not applied",
                        where, criterion));
        return false;
      }
      if (i + 1 >= args.size()) {
        return fail(ErrorCode::invalid,
                    fmt::format("ssh_config {}: Match {} needs an argument", where, criterion));
      }
      const std::string& value = args[++i];
      bool hit = false;
      if (criterion == "host") {
        hit = ssh_pattern_list_matches(value, current_hostname());
      } else if (criterion == "originalhost") {
        hit = ssh_pattern_list_matches(value, m_host);
      } else if (criterion == "user") {
        hit = ssh_pattern_list_matches(value, current_user());
      } else if (criterion == "localuser") {
        hit = ssh_pattern_list_matches(value, local_user());
      } else {
        m_options.warnings.push_back(
            fmt::format("ssh_config {}: `Match {}` is not supported by virtplan; the block is not applied",
                        where, criterion));
        return false;
      }
      all = all && (hit != negated);
    }
    return all;
  }

  Result<void> include(const std::vector<std::string>& args, SshConfigScope scope, int depth) {
    const std::string base = scope == SshConfigScope::user ? home_directory() + "/.ssh/" : "/etc/ssh/";
    for (const std::string& arg : args) {
      std::string pattern = arg;
      if (pattern == "~" || pattern.starts_with("~/")) pattern = home_directory() + pattern.substr(1);
      if (!pattern.starts_with('/')) pattern = base + pattern;
      glob_t found{};
      // Missing files are no error, as in OpenSSH.
      if (glob(pattern.c_str(), 0, nullptr, &found) == 0) {
        std::vector<std::string> paths(found.gl_pathv, found.gl_pathv + found.gl_pathc);
        globfree(&found);
        for (const std::string& path : paths) {
          if (auto read = read_file({path, scope, false}, depth + 1); !read) return read;
        }
      } else {
        globfree(&found);
      }
    }
    return {};
  }

  template <typename T>
  static void set_once(std::optional<T>& field, T value) {
    if (!field) field = std::move(value);
  }

  Result<void> apply(const std::string& keyword, const std::string& spelled,
                     const std::vector<std::string>& args, const std::string& where, SshConfigScope scope,
                     int depth) {
    const auto handling = handling_of(keyword);
    if (!handling) {
      if (!m_ignore_unknown || !ssh_pattern_list_matches(*m_ignore_unknown, keyword)) {
        m_options.warnings.push_back(
            fmt::format("ssh_config {}: unknown keyword `{}`; virtplan ignores it", where, spelled));
      }
      return {};
    }
    if (*handling == Handling::harmless) return {};
    if (*handling == Handling::include) return include(args, scope, depth);
    const auto bad = [&](std::string_view why) {
      return fail(ErrorCode::invalid, fmt::format("ssh_config {}: {}: {}", where, spelled, why));
    };
    if (args.empty()) return bad("missing argument");
    const std::string& value = args.front();
    switch (*handling) {
      case Handling::harmless_when_no:
        if (parse_yes_no(value) != false && lowercase(value) != "none") {
          m_options.warnings.push_back(fmt::format(
              "ssh_config {}: `{} {}` is not supported by virtplan and is ignored", where, spelled, value));
        }
        return {};
      case Handling::unsupported:
        m_options.warnings.push_back(
            fmt::format("ssh_config {}: {} is not supported by virtplan and is ignored", where, spelled));
        return {};
      case Handling::hostname:
        set_once(m_options.hostname, value);
        return {};
      case Handling::user:
        set_once(m_options.user, value);
        return {};
      case Handling::port: {
        auto port = parse_count(value, 1, 65535);
        if (!port) return bad(fmt::format("'{}' is not a port", value));
        set_once(m_options.port, *port);
        return {};
      }
      case Handling::identity_file:
        for (const std::string& file : args) m_options.identity_files.push_back(file);
        return {};
      case Handling::certificate_file:
        for (const std::string& file : args) m_options.certificate_files.push_back(file);
        return {};
      case Handling::identities_only: {
        auto flag = parse_yes_no(value);
        if (!flag) return bad(fmt::format("'{}' is not yes or no", value));
        set_once(m_options.identities_only, *flag);
        return {};
      }
      case Handling::identity_agent:
        set_once(m_options.identity_agent, value);
        return {};
      case Handling::proxy_jump:
        set_once(m_options.proxy_jump, value);
        return {};
      case Handling::user_known_hosts_file:
        if (args.size() > 1 && !m_options.user_known_hosts_file) {
          m_options.warnings.push_back(fmt::format(
              "ssh_config {}: UserKnownHostsFile names {} files; virtplan reads only the first, {}", where,
              args.size(), value));
        }
        set_once(m_options.user_known_hosts_file, value);
        return {};
      case Handling::global_known_hosts_file:
        set_once(m_options.global_known_hosts_file, value);
        return {};
      case Handling::strict_host_key_checking:
        set_once(m_options.strict_host_key_checking, lowercase(value));
        return {};
      case Handling::connect_timeout:
      case Handling::server_alive_interval: {
        auto seconds = lowercase(value) == "none" ? std::optional(0) : parse_time(value);
        if (!seconds) return bad(fmt::format("'{}' is not a time", value));
        set_once(*handling == Handling::connect_timeout ? m_options.connect_timeout
                                                        : m_options.server_alive_interval,
                 *seconds);
        return {};
      }
      case Handling::server_alive_count_max: {
        auto count = parse_count(value, 0, 1000000);
        if (!count) return bad(fmt::format("'{}' is not a count", value));
        set_once(m_options.server_alive_count_max, *count);
        return {};
      }
      case Handling::ignore_unknown:
        set_once(m_ignore_unknown, lowercase(value));
        return {};
      case Handling::include:
      case Handling::harmless:
        return {};
    }
    return {};
  }

  std::string m_host;
  std::optional<std::string> m_user;
  std::optional<std::string> m_ignore_unknown;
  SshConfigOptions m_options;
};

}  // namespace

bool ssh_pattern_list_matches(std::string_view patterns, std::string_view name) {
  const std::string lowered = lowercase(name);
  bool matched = false;
  size_t start = 0;
  while (start <= patterns.size()) {
    const size_t comma = std::min(patterns.find(',', start), patterns.size());
    std::string_view pattern = patterns.substr(start, comma - start);
    start = comma + 1;
    const bool negated = pattern.starts_with('!');
    if (negated) pattern.remove_prefix(1);
    if (pattern.empty() || !wildcard_matches(lowercase(pattern), lowered)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

std::vector<SshConfigFile> ssh_config_files(const std::optional<std::string>& host_file) {
  if (host_file) return {{*host_file, SshConfigScope::user, true}};
  if (const char* env = std::getenv("VIRTPLAN_SSH_CONFIG"); env != nullptr && *env != '\0') {
    return {{env, SshConfigScope::user, true}};
  }
  return {{home_directory() + "/.ssh/config", SshConfigScope::user, false},
          {"/etc/ssh/ssh_config", SshConfigScope::system, false}};
}

Result<SshConfigOptions> read_ssh_config(const std::vector<SshConfigFile>& files, std::string_view host,
                                         const std::optional<std::string>& user) {
  Reader reader(host, user);
  for (const SshConfigFile& file : files) {
    if (auto read = reader.read_file(file, 0); !read) return fail(read.error());
  }
  return reader.take();
}

Result<SshConfigOptions> parse_ssh_config(std::string_view text, std::string_view origin,
                                          std::string_view host, const std::optional<std::string>& user,
                                          SshConfigScope scope) {
  Reader reader(host, user);
  if (auto read = reader.read_text(text, origin, scope, 0); !read) return fail(read.error());
  return reader.take();
}

Result<std::string> expand_ssh_tokens(std::string_view value, const SshTokens& tokens) {
  std::string text(value);
  if (text == "~" || text.starts_with("~/")) text = home_directory() + text.substr(1);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size()) {
      return fail(ErrorCode::invalid, fmt::format("'{}': a lone % at the end", value));
    }
    switch (text[++i]) {
      case '%':
        out += '%';
        break;
      case 'd':
        out += home_directory();
        break;
      case 'u':
        out += local_user();
        break;
      case 'h':
        out += tokens.hostname;
        break;
      case 'r':
        out += tokens.user;
        break;
      case 'p':
        out += std::to_string(tokens.port);
        break;
      case 'n':
        out += tokens.alias;
        break;
      case 'i':
        out += std::to_string(getuid());
        break;
      case 'l': {
        char name[256] = {};
        gethostname(name, sizeof name - 1);
        out += name;
        break;
      }
      default:
        return fail(
            ErrorCode::invalid,
            fmt::format("'{}': token %{} is not supported (virtplan knows %d %u %h %r %p %n %l %i %%)", value,
                        text[i]));
    }
  }
  return out;
}

}  // namespace virtplan::providers
