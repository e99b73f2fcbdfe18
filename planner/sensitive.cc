#include "planner/sensitive.h"

#include "providers/base/json_path.h"
#include "providers/base/plain_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace virtplan::planner {

namespace {
// Every cloud-init input is masked whole: user-data is where passwords and
// keys go, network-config holds Wi-Fi keys, meta-data tokens, all as text (a
// seed volume's spec holds the files' content, where no key inside says
// "password").
constexpr std::array<std::string_view, 10> k_markers{
    "password",   "passwd",     "secret",    "token",     "private_key",
    "passphrase", "credential", "user_data", "meta_data", "network_config"};
}  // namespace

bool is_sensitive_key(std::string_view key) {
  const std::string lower = providers::lowercase(key);
  return std::any_of(k_markers.begin(), k_markers.end(),
                     [&](std::string_view m) { return lower.find(m) != std::string::npos; });
}

nlohmann::json mask_sensitive(const nlohmann::json& value) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& item : value.items()) {
      out[item.key()] =
          is_sensitive_key(item.key()) ? nlohmann::json(k_sensitive) : mask_sensitive(item.value());
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(mask_sensitive(item));
    return out;
  }
  return value;
}

bool is_sensitive_path(std::string_view path) {
  const providers::JsonPath tokens = providers::JsonPath::parse(path);
  return std::any_of(tokens.tokens().begin(), tokens.tokens().end(),
                     [](const std::string& token) { return is_sensitive_key(token); });
}

}  // namespace virtplan::planner
