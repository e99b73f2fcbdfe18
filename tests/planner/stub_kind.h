#pragma once

// StubKind is a ResourceKind that does nothing, for planner tests that need a
// kind with one or two behaviours of their own: derive, and override those.

#include "providers/kind/resource_kind.h"

#include <string>

namespace virtplan::planner::testing {

class StubKind : public providers::ResourceKind {
public:
  StubKind(std::string kind, std::string section) : ResourceKind(std::move(kind), std::move(section)) {}

  void parse(providers::YamlMap&, providers::StackObject&, providers::Diagnostics&) const override {}
  std::vector<providers::Reference> references(const providers::StackObject&) const override { return {}; }
  void check(const providers::StackObject&, const providers::StackIndex&,
             providers::Diagnostics&) const override {}
  providers::Result<std::string> create_xml(const providers::StackObject&) const override {
    return std::string();
  }
  providers::Result<providers::Spec> parse_xml(const std::string&) const override {
    return providers::Spec::object();
  }
  providers::Result<std::string> update_xml(const std::string& xml,
                                            const providers::StackObject&) const override {
    return xml;
  }
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec&) const override {
    return desired;
  }
  // Every change live, unless a test kind says otherwise.
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_all_live[] = {{"/**", providers::Impact::live}};
    static constexpr providers::FieldRules k_rules{k_all_live};
    return k_rules;
  }
};

}  // namespace virtplan::planner::testing
