#pragma once

// The words of the stack schema (cli/stack_schema.h): a description and a
// default for a key, by its place in a stack. Shapes and enums are not here;
// they come from the readers. A note whose place the readers do not have is
// an error the schema test reports, so notes cannot outlive their key.

#include <optional>
#include <span>
#include <string_view>

namespace virtplan::cli {

// SchemaNote is one key's words. `place` is SECTION.KEY[.KEY...], a list's
// items written `[]`: "domains.disks[].bus", "hosts.address"; the top level's
// keys are the section names. `default_json` is the default as JSON text, or
// empty when the key has none (or none worth stating).
struct SchemaNote {
  std::string_view place;
  std::string_view description;
  std::string_view default_json;
};

std::span<const SchemaNote> schema_notes();

const SchemaNote* schema_note(std::string_view place);

}  // namespace virtplan::cli
