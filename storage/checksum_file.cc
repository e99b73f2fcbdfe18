#include "storage/checksum_file.h"

#include <algorithm>
#include <cctype>

namespace virtplan::storage {
namespace {

std::string lowercase_hex(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool same_file(std::string_view listed, std::string_view file_name) {
  if (listed.starts_with("./")) listed.remove_prefix(2);
  return listed == file_name;
}

std::optional<ImageDigest> digest_of(std::string_view tag, std::string_view hex) {
  ImageDigest digest{std::string(tag), lowercase_hex(hex)};
  if (digest.hex.empty()) return std::nullopt;
  if (digest.algorithm.empty()) digest.algorithm = digest_algorithm(digest.hex.size());
  if (digest.algorithm.empty() || digest_algorithm(digest.hex.size()) != digest.algorithm)
    return std::nullopt;
  return digest;
}

// "SHA256 (NAME) = HEX"
std::optional<ImageDigest> tagged_line(std::string_view line, std::string_view file_name) {
  const auto open = line.find(" (");
  const auto close = line.rfind(") = ");
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  if (!same_file(line.substr(open + 2, close - open - 2), file_name)) return std::nullopt;
  std::string tag(line.substr(0, open));
  std::transform(tag.begin(), tag.end(), tag.begin(), [](unsigned char c) { return std::tolower(c); });
  if (tag != "sha256" && tag != "sha512") return std::nullopt;
  return digest_of(tag, trim(line.substr(close + 4)));
}

// "HEX  NAME" or "HEX *NAME"
std::optional<ImageDigest> plain_line(std::string_view line, std::string_view file_name) {
  const auto space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view name = trim(line.substr(space));
  if (name.starts_with("*")) name.remove_prefix(1);
  if (!same_file(name, file_name)) return std::nullopt;
  return digest_of("", line.substr(0, space));
}

}  // namespace

std::string image_file_name(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

std::optional<ImageDigest> digest_in_sums(std::string_view sums, std::string_view file_name) {
  if (file_name.empty()) return std::nullopt;
  while (!sums.empty()) {
    const auto end = sums.find('\n');
    std::string_view line = trim(sums.substr(0, end));
    sums = end == std::string_view::npos ? std::string_view{} : sums.substr(end + 1);
    if (line.empty() || line.starts_with("#")) continue;
    auto found = line.find(" (") != std::string_view::npos && line.find(") = ") != std::string_view::npos
                     ? tagged_line(line, file_name)
                     : plain_line(line, file_name);
    if (found) return found;
  }
  return std::nullopt;
}

}  // namespace virtplan::storage
