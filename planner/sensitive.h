#pragma once

// Secrets never reach a terminal, a log or a CI transcript: every value under
// a key named like a secret (password, passwd, secret, token, private_key,
// ...) or holding a cloud-init input (user_data, meta_data, network_config)
// is shown as "(sensitive)".

#include <nlohmann/json.hpp>

#include <string_view>

namespace virtplan::planner {

inline constexpr std::string_view k_sensitive = "(sensitive)";

bool is_sensitive_key(std::string_view key);

// A copy of `value` with every sensitive key's value replaced.
nlohmann::json mask_sensitive(const nlohmann::json& value);

// Whether a JSON pointer ("/cloud_init/password") passes through a sensitive key.
bool is_sensitive_path(std::string_view path);

}  // namespace virtplan::planner
