#pragma once

// YamlStructureCheck is a yaml-cpp event handler run over a file before it is
// loaded into a tree, for what yaml-cpp itself does not refuse:
//   - nesting deeper than k_max_depth: yaml-cpp's parser recurses once per
//     level and would overflow the stack on `[[[[...` or deep block maps. The
//     handler sees each collection start before the parser recurses into it,
//     and stops the parse by throwing once the limit is passed;
//   - aliases (`*name`): a few lines of them expand to billions of nodes for
//     whoever walks the tree ("billion laughs"), so none are accepted;
//   - duplicate keys in a map at any depth (yaml-cpp keeps both);
//   - a second document in the file.

#include "providers/base/diagnostics.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <map>
#include <string>
#include <vector>

namespace virtplan::planner {

class YamlStructureCheck : public YAML::EventHandler {
public:
  static constexpr std::size_t k_max_depth = 64;

  // Thrown from an event to stop the parse once the nesting limit is passed.
  struct TooDeep {
    YAML::Mark mark;
  };

  // Thrown when a document starts where the previous one did: yaml-cpp 0.7
  // does not consume a stray ',' outside brackets and would hand out empty
  // documents forever.
  struct Stuck {
    YAML::Mark mark;
  };

  YamlStructureCheck(std::string file, providers::Diagnostics& diags);

  // How many documents have started; a caller stops after the second.
  int documents() const { return m_documents; }

  // Whether the file may be loaded into a tree: no aliases were found.
  bool loadable() const { return m_loadable; }
  // Whether the (first) document is empty: no document, or a lone null.
  bool empty() const { return m_empty; }

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override;
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override;
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override;

private:
  // One open collection. In a map, nodes alternate key, value, key, ...
  struct Frame {
    bool is_map = false;
    bool expect_key = true;
    std::map<std::string, YAML::Mark> keys;
  };

  // Called for every node as it begins; `scalar` is its text when it is one.
  void begin_node(const YAML::Mark& mark, const std::string* scalar);
  // A sequence or map begins (a node itself) / ends.
  void open(const YAML::Mark& mark, bool is_map);
  void close();

  std::string m_file;
  providers::Diagnostics& m_diags;
  std::vector<Frame> m_open;
  int m_documents = 0;
  int m_last_start = -1;  // where the last document started (Mark::pos)
  bool m_loadable = true;
  bool m_empty = true;
};

}  // namespace virtplan::planner
