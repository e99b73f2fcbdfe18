#pragma once

// AnsibleArgs is what a playbook task gives the virtplan.kvm.stack module, read
// from the JSON file Ansible passes a binary module: the module's parameters
// plus Ansible's own `_ansible_*` keys. Of those only check mode and diff mode
// matter here; the others (and any a later Ansible adds) are ignored. Any
// other key is refused by name, as Ansible's own modules do, so that a typo
// (`allow_restarts`) fails instead of being silently dropped.
//
// Ansible passes values as the playbook wrote them, after templating, without
// a spec to convert them, so booleans and integers may arrive as strings
// ("yes", "8"); they are converted the way Ansible converts them.

#include "providers/base/error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace virtplan::cli {

enum class StackState { present, absent };

struct AnsibleArgs {
  // Exactly one of the two: a stack path (file or directory) on the machine
  // the module runs on, or the stack itself as a mapping.
  std::optional<std::string> stack;
  std::optional<nlohmann::ordered_json> stack_content;
  StackState state = StackState::present;
  std::vector<std::string> targets;  // addresses, "pool.images@lab1"
  int parallelism = 0;               // 0: no cap over all hosts (planner::ApplyOptions)
  int lock_wait = 0;                 // seconds
  // Guards: a plan that restarts or replaces an object, or loses data, is
  // refused unless the task allows it.
  bool allow_restart = false;
  bool allow_data_loss = false;
  // `rebalance: true`: `host: auto` domains placed again as if new
  // (planner::PlacementMode::rebalance).
  bool rebalance = false;
  // From Ansible: --check and --diff.
  bool check_mode = false;
  bool diff = false;
};

// The parameters every task may set, sorted (for the unknown-key message).
const std::vector<std::string>& ansible_parameter_names();

// The arguments of one task, or an error naming the parameter at fault.
providers::Result<AnsibleArgs> parse_ansible_args(const nlohmann::ordered_json& document);

}  // namespace virtplan::cli
