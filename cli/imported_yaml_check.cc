#include "cli/imported_yaml_check.h"

#include "cli/kinds.h"
#include "planner/stack_loader.h"
#include "providers/base/stack_yaml.h"

#include <fmt/format.h>

#include <set>

namespace virtplan::cli {
namespace {

// The file name a declaration is loaded under: not a path anyone has, so a
// message about it is told from one about the stack's own files.
std::string declaration_file(std::size_t index) { return fmt::format("<import {}>", index); }

// The loader's messages about each declaration still in `pending`, by index.
std::map<std::size_t, std::string> load_messages(const std::vector<planner::SourceFile>& stack_files,
                                                 const std::vector<ImportedDeclaration>& declarations,
                                                 const std::set<std::size_t>& pending) {
  std::vector<planner::SourceFile> files;
  std::map<std::string, std::size_t> by_file;
  for (std::size_t index : pending) {
    const ImportedDeclaration& d = declarations[index];
    nlohmann::ordered_json document;
    document[d.section][d.name] = d.declaration;
    files.push_back(planner::SourceFile{declaration_file(index), providers::stack_yaml(document)});
    by_file[declaration_file(index)] = index;
  }
  files.insert(files.end(), stack_files.begin(), stack_files.end());
  providers::Diagnostics diags;
  planner::StackLoader(kinds()).load(files, diags);
  std::map<std::size_t, std::string> messages;
  for (const providers::Diagnostic& diagnostic : diags.sorted()) {
    auto it = by_file.find(diagnostic.where.file);
    if (it == by_file.end()) continue;  // the stack's own files: they loaded before import
    std::string& said = messages[it->second];
    said += (said.empty() ? "" : "; ") + diagnostic.message;
  }
  return messages;
}

}  // namespace

std::map<std::size_t, std::string> refused_declarations(
    const std::vector<planner::SourceFile>& stack_files,
    const std::vector<ImportedDeclaration>& declarations) {
  std::set<std::size_t> pending;
  for (std::size_t i = 0; i < declarations.size(); ++i) pending.insert(i);
  std::map<std::size_t, std::string> refused;
  // Each round refuses at least one, or ends.
  while (!pending.empty()) {
    const auto messages = load_messages(stack_files, declarations, pending);
    if (messages.empty()) break;
    for (const auto& [index, message] : messages) {
      refused[index] = message;
      pending.erase(index);
    }
  }
  return refused;
}

}  // namespace virtplan::cli
