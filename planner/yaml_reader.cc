#include "planner/yaml_reader.h"

#include "planner/yaml_structure_check.h"
#include "providers/base/yaml_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <string_view>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::SourceLocation;

// The length of the UTF-8 sequence starting at `text[i]`, or 0 when the bytes
// there are not one (overlong forms, surrogates and values past U+10FFFF
// included).
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;   // overlong
    if (c == 0xED) high = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;   // overlong
    if (c == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// Checks the encoding and the characters; reports the first problem at its
// line and column (columns count characters).
bool check_text(const SourceFile& file, Diagnostics& diags) {
  std::string_view text = file.text;
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = utf8_length(text, i);
    auto c = static_cast<unsigned char>(text[i]);
    if (length == 0) {
      diags.add(SourceLocation{file.path, line, column},
                fmt::format("the file is not valid UTF-8 (byte 0x{:02x})", c));
      return false;
    }
    if (length == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      diags.add(SourceLocation{file.path, line, column},
                fmt::format("control character 0x{:02x} is not allowed in a stack file", c));
      return false;
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return true;
}

// What check_structure() found.
enum class Structure { loadable, empty, refused };

// Runs YamlStructureCheck over the text.
Structure check_structure(const SourceFile& file, Diagnostics& diags) {
  std::istringstream in(file.text);
  YamlStructureCheck check(file.path, diags);
  try {
    YAML::Parser parser(in);
    // A second document is an error already; what follows it does not matter.
    while (check.documents() < 2 && parser.HandleNextDocument(check)) {
    }
  } catch (const YamlStructureCheck::Stuck& stuck) {
    std::size_t at = static_cast<std::size_t>(std::max(stuck.mark.pos, 0));
    std::string what = at < file.text.size() ? fmt::format(" '{}'", file.text[at]) : "";
    diags.add(providers::location_of(stuck.mark, file.path),
              fmt::format("invalid YAML: unexpected{} here", what));
    return Structure::refused;
  } catch (const YamlStructureCheck::TooDeep& deep) {
    diags.add(providers::location_of(deep.mark, file.path),
              fmt::format("nesting deeper than {} levels is not supported", YamlStructureCheck::k_max_depth));
    return Structure::refused;
  } catch (const YAML::Exception& e) {
    diags.add(providers::location_of(e.mark, file.path), fmt::format("invalid YAML: {}", e.msg));
    return Structure::refused;
  }
  if (check.empty()) return Structure::empty;
  return check.loadable() ? Structure::loadable : Structure::refused;
}

}  // namespace

std::optional<YAML::Node> read_yaml(const SourceFile& file, Diagnostics& diags, EmptyFile empty) {
  if (file.text.size() > k_max_file_size) {
    diags.add(SourceLocation{file.path, 1, 1},
              fmt::format("the file is larger than {} MiB, the limit for a stack file",
                          k_max_file_size / (1024 * 1024)));
    return std::nullopt;
  }
  if (!check_text(file, diags)) return std::nullopt;
  switch (check_structure(file, diags)) {
    case Structure::refused:
      return std::nullopt;
    case Structure::empty:
      if (empty == EmptyFile::declares_nothing) return YAML::Node(YAML::NodeType::Map);
      diags.add(SourceLocation{file.path, 1, 1}, "the file is empty");
      return std::nullopt;
    case Structure::loadable:
      break;
  }
  try {
    return YAML::Load(file.text);
  } catch (const YAML::Exception& e) {
    // The structure check parsed the same text, so this is not expected.
    diags.add(providers::location_of(e.mark, file.path), fmt::format("invalid YAML: {}", e.msg));
    return std::nullopt;
  }
}

}  // namespace virtplan::planner
