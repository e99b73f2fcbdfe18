#pragma once

// FieldRules are a kind's decisions per field, as data: for the fields whose
// JSON pointer matches a rule's pattern (providers/base/json_path.h), how
// disruptive a change is and how apply carries it out on the running object.
// The plan reads the impact (planner/spec_diff.h records it in each
// FieldChange); apply reads the live way of the rule the change matches and
// does exactly what the plan recorded: a live change is made live or the step
// fails leaving it pending, never made by a restart the plan did not show.
// One table per kind (kvm/domain_field_rules.h, net/network_field_rules.h,
// storage/pool_field_rules.h, storage/volume_field_rules.h); the test that
// walks every rule of every kind is tests/cli/field_rules_test.cc.

#include <nlohmann/json.hpp>

#include <span>
#include <string_view>

namespace virtplan::providers {

// Impact is how disruptive a change is, in increasing order. `config` is a
// change written to the config that takes effect at the object's next start,
// with nothing to disrupt now: a restart-class change to an object that is not
// running across the apply (see Running).
enum class Impact { none, live, config, restart, replace };

// Whether the object runs before and after the apply (a domain that is up and
// stays up). A restart-class change to one that does not (stopped, or stopped
// or started by the same apply anyway) needs no restart: its impact is
// `config`. The kind says which (ResourceKind::running); the rules decide.
enum class Running { no, yes };

// FieldRule is one line of a table. The first rule whose pattern matches the
// changed field's path (and whose `when`, if any, accepts its values) decides;
// every table ends with a catch-all "/**".
struct FieldRule {
  std::string_view pattern;
  Impact impact = Impact::restart;
  // The kind's name for the way apply makes the change on a running object
  // (its virsh command where there is one: "setvcpus"); empty when the change
  // needs no live action (restart, replace, or a field only the config holds).
  std::string_view live = {};
  // A condition on the change's values (before or after null: the item is
  // added or removed); nullptr for any change of a matching path.
  bool (*when)(const nlohmann::json& before, const nlohmann::json& after) = nullptr;
  // Whether the live way acts on an object that does not run (autostart, a
  // start or stop): such a change stays `live` on a stopped domain, where any
  // other live change only rewrites its definition (`config`).
  bool acts_when_stopped = false;
};

class FieldRules {
public:
  constexpr explicit FieldRules(std::span<const FieldRule> rules) : m_rules(rules) {}

  std::span<const FieldRule> rules() const { return m_rules; }

  // The rule deciding a change of the field at `path` from `before` to
  // `after`: the first that matches (a table without a match for it gives a
  // restart without a live way).
  const FieldRule& rule_for(std::string_view path, const nlohmann::json& before,
                            const nlohmann::json& after) const;

  // How disruptive the change is: none when nothing changed; an object
  // changed into an object is as disruptive as its most disruptive field;
  // else its rule's impact, where a restart or a live change of an object not
  // `running` is a config change (takes effect at its next start), unless the
  // rule acts_when_stopped.
  Impact impact(std::string_view path, const nlohmann::json& before, const nlohmann::json& after,
                Running running = Running::yes) const;

private:
  std::span<const FieldRule> m_rules;
};

// Conditions rules share: a whole item (a disk, a NIC) added, or removed.
bool item_added(const nlohmann::json& before, const nlohmann::json& after);
bool item_removed(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace virtplan::providers
