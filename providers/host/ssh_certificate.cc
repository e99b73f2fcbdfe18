#include "providers/host/ssh_certificate.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ctime>

namespace virtplan::providers {

namespace {

std::optional<std::string> base64_decoded(std::string_view text) {
  static constexpr std::string_view k_alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    const size_t value = k_alphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// The SSH wire format (RFC 4251): big-endian integers, length-prefixed strings.
class WireReader {
public:
  explicit WireReader(std::string_view data) : m_data(data) {}
  std::optional<std::uint64_t> number(int bytes) {
    if (m_data.size() < static_cast<size_t>(bytes)) return std::nullopt;
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(m_data[i]);
    m_data.remove_prefix(static_cast<size_t>(bytes));
    return value;
  }
  std::optional<std::string_view> string() {
    auto length = number(4);
    if (!length || m_data.size() < *length) return std::nullopt;
    std::string_view value = m_data.substr(0, *length);
    m_data.remove_prefix(*length);
    return value;
  }

private:
  std::string_view m_data;
};

// How many strings (or mpints) each certificate type's public key takes.
std::optional<int> key_fields(std::string_view type) {
  if (type.starts_with("ssh-ed25519-cert")) return 1;
  if (type.starts_with("ecdsa-sha2-")) return 2;
  if (type.starts_with("ssh-rsa-cert")) return 2;
  return std::nullopt;
}

std::string utc_text(std::uint64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", parts);
}

}  // namespace

Result<SshCertificate> parse_ssh_certificate(std::string_view line) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::invalid, fmt::format("not an OpenSSH certificate: {}", why));
  };
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return bad("no key data");
  std::string_view data = line.substr(space + 1);
  data = data.substr(0, std::min(data.find(' '), data.find('\n')));
  auto blob = base64_decoded(data);
  if (!blob) return bad("bad base64");
  WireReader reader(*blob);
  SshCertificate certificate;
  auto type = reader.string();
  if (!type) return bad("truncated");
  certificate.type = std::string(*type);
  auto fields = key_fields(certificate.type);
  if (!fields) return bad(fmt::format("unsupported type {}", certificate.type));
  if (!reader.string()) return bad("truncated nonce");  // nonce
  for (int i = 0; i < *fields; ++i) {
    if (!reader.string()) return bad("truncated key");
  }
  auto serial = reader.number(8);
  auto kind = reader.number(4);
  auto key_id = reader.string();
  auto principals = reader.string();
  auto after = reader.number(8);
  auto before = reader.number(8);
  if (!serial || !kind || !key_id || !principals || !after || !before) return bad("truncated");
  certificate.key_id = std::string(*key_id);
  WireReader names(*principals);
  while (auto name = names.string()) certificate.principals.emplace_back(*name);
  certificate.valid_after = *after;
  certificate.valid_before = *before;
  return certificate;
}

std::optional<std::string> certificate_problem(const SshCertificate& certificate, std::string_view user,
                                               std::uint64_t now) {
  if (now >= certificate.valid_before) {
    return fmt::format("the certificate expired at {}", utc_text(certificate.valid_before));
  }
  if (now < certificate.valid_after) {
    return fmt::format("the certificate is not valid before {}", utc_text(certificate.valid_after));
  }
  if (!certificate.principals.empty() &&
      std::ranges::find(certificate.principals, user) == certificate.principals.end()) {
    return fmt::format("the certificate is for principals {}, not {}",
                       fmt::join(certificate.principals, ", "), user);
  }
  return std::nullopt;
}

}  // namespace virtplan::providers
