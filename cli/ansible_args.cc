#include "cli/ansible_args.h"

#include "providers/base/plain_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace virtplan::cli {
namespace {

using nlohmann::ordered_json;

std::unexpected<providers::Error> invalid(std::string message) {
  return providers::fail(providers::ErrorCode::invalid, std::move(message));
}

// Ansible's boolean conversion (module_utils/parsing/convert_bool.py).
providers::Result<bool> to_bool(std::string_view name, const ordered_json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer() && (value == 0 || value == 1)) return value == 1;
  if (value.is_string()) {
    const std::string text = providers::lowercase(value.get<std::string>());
    for (const char* yes : {"y", "yes", "on", "1", "true", "t"}) {
      if (text == yes) return true;
    }
    for (const char* no : {"n", "no", "off", "0", "false", "f"}) {
      if (text == no) return false;
    }
  }
  return invalid(fmt::format("{}: expected a boolean, got {}", name, value.dump()));
}

providers::Result<int> to_int(std::string_view name, const ordered_json& value, int min, int max) {
  long long number = 0;
  if (value.is_number_integer()) {
    number = value.get<long long>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return invalid(fmt::format("{}: expected an integer, got {}", name, value.dump()));
    }
  } else {
    return invalid(fmt::format("{}: expected an integer, got {}", name, value.dump()));
  }
  if (number < min || number > max) {
    return invalid(fmt::format("{}: {} is out of range {}..{}", name, number, min, max));
  }
  return static_cast<int>(number);
}

providers::Result<std::string> to_string(std::string_view name, const ordered_json& value) {
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  return invalid(fmt::format("{}: expected a non-empty string, got {}", name, value.dump()));
}

// A list of strings; a single string is one item, or several separated by
// commas, as Ansible's `type: list` reads it.
providers::Result<std::vector<std::string>> to_string_list(std::string_view name, const ordered_json& value) {
  std::vector<std::string> items;
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    std::size_t start = 0;
    while (start <= text.size()) {
      const std::size_t comma = std::min(text.find(',', start), text.size());
      std::string item = text.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) items.push_back(item);
      start = comma + 1;
    }
    return items;
  }
  if (!value.is_array())
    return invalid(fmt::format("{}: expected a list of strings, got {}", name, value.dump()));
  for (const ordered_json& item : value) {
    auto text = to_string(name, item);
    if (!text) return providers::fail(text.error());
    items.push_back(*text);
  }
  return items;
}

providers::Result<void> set_parameter(AnsibleArgs& args, const std::string& key, const ordered_json& value) {
  if (key == "stack") {
    auto path = to_string(key, value);
    if (!path) return providers::fail(path.error());
    args.stack = *path;
  } else if (key == "stack_content") {
    if (!value.is_object() || value.empty()) {
      return invalid(fmt::format("stack_content: expected the stack as a mapping, got {}", value.dump()));
    }
    args.stack_content = value;
  } else if (key == "state") {
    if (value == "present") {
      args.state = StackState::present;
    } else if (value == "absent") {
      args.state = StackState::absent;
    } else {
      return invalid(fmt::format("state: expected present or absent, got {}", value.dump()));
    }
  } else if (key == "targets") {
    auto targets = to_string_list(key, value);
    if (!targets) return providers::fail(targets.error());
    args.targets = *targets;
  } else if (key == "parallelism") {
    auto n = to_int(key, value, 1, 64);
    if (!n) return providers::fail(n.error());
    args.parallelism = *n;
  } else if (key == "lock_wait") {
    auto n = to_int(key, value, 0, 86400);
    if (!n) return providers::fail(n.error());
    args.lock_wait = *n;
  } else if (key == "allow_restart" || key == "allow_data_loss" || key == "rebalance") {
    auto flag = to_bool(key, value);
    if (!flag) return providers::fail(flag.error());
    (key == "allow_restart" ? args.allow_restart
     : key == "rebalance"   ? args.rebalance
                            : args.allow_data_loss) = *flag;
  }
  return {};
}

}  // namespace

const std::vector<std::string>& ansible_parameter_names() {
  static const std::vector<std::string> names = {"allow_data_loss", "allow_restart", "lock_wait",
                                                 "parallelism",     "rebalance",     "stack",
                                                 "stack_content",   "state",         "targets"};
  return names;
}

providers::Result<AnsibleArgs> parse_ansible_args(const ordered_json& document) {
  if (!document.is_object()) return invalid("the module's arguments are not a JSON object");
  AnsibleArgs args;
  std::vector<std::string> unknown;
  const auto& names = ansible_parameter_names();
  for (const auto& [key, value] : document.items()) {
    if (key.starts_with("_ansible_")) {
      // Only these two change what the module does; the rest are Ansible's
      // bookkeeping (verbosity, tmpdir, version, ...).
      if (key == "_ansible_check_mode" || key == "_ansible_diff") {
        auto flag = to_bool(key, value);
        if (!flag) return providers::fail(flag.error());
        (key == "_ansible_check_mode" ? args.check_mode : args.diff) = *flag;
      }
      continue;
    }
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      unknown.push_back(key);
      continue;
    }
    // null is how a task leaves a parameter unset ("{{ x | default(omit) }}"
    // removes it, a bare `targets:` gives null)
    if (value.is_null()) continue;
    if (auto set = set_parameter(args, key, value); !set) return providers::fail(set.error());
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    return invalid(fmt::format("unsupported parameters: {}; supported: {}", fmt::join(unknown, ", "),
                               fmt::join(names, ", ")));
  }
  if (args.stack.has_value() == args.stack_content.has_value()) {
    return invalid(
        "give exactly one of stack (a path on the machine the module runs on) and stack_content "
        "(the stack as a mapping)");
  }
  return args;
}

}  // namespace virtplan::cli
