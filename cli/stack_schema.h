#pragma once

// stack_schema() is the JSON Schema (draft 2020-12) of the stack format, for
// editors (the YAML language server) and CI: `virtplan schema` prints it and
// schema/virtplan-stack.schema.json is its committed copy.
//
// It is not written by hand beside the loader. Each section's keys, how each
// value is read (string, name, size, duration, one of an enum's values, map,
// list) and each enum's values are learned by running the loader's own
// readers (the kinds' parse(), read_host) over probe documents under a
// YamlProbe (providers/base/yaml_probe.h): a key a reader gains appears in
// the schema with the next `virtplan schema`, and the test that compares the
// committed copy fails until it is regenerated. Only the words (descriptions,
// defaults) come from a table, stack_schema_notes.h.
//
// What the readers check beyond the shape (a reference to an undeclared
// volume, a DHCP range outside its subnet, cross-key rules) stays the
// loader's: the schema accepts less than YAML and more than `validate`.

#include "providers/kind/registry.h"

#include <nlohmann/json.hpp>

namespace virtplan::cli {

nlohmann::json stack_schema(const providers::KindRegistry& kinds);

// The schema as `virtplan schema` prints it and the repository holds it:
// two-space indent, keys sorted, a final newline.
std::string stack_schema_text(const providers::KindRegistry& kinds);

}  // namespace virtplan::cli
