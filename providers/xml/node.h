#pragma once

// XmlNode is a non-owning handle on one element of an XmlDocument: cheap to
// copy, valid while the document lives and the element is not removed.
// Names are local names; elements in a namespace are matched by the
// namespace's URI, never by its prefix.

#include "providers/base/error.h"
#include "providers/xml/namespace.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct _xmlNode;

namespace virtplan::providers {

class XmlNode {
public:
  explicit XmlNode(_xmlNode* node) : m_node(node) {}

  std::string name() const;  // the local name: "owner" for <vp:owner>
  std::optional<std::string> namespace_uri() const;
  std::optional<XmlNode> parent() const;  // nullopt for the root element

  // Element children without a namespace, by local name; the first one or all.
  std::optional<XmlNode> child(std::string_view name) const;
  std::vector<XmlNode> children(std::string_view name) const;
  // Element children in namespace `ns` (matched by URI), by local name.
  std::optional<XmlNode> child(std::string_view name, const XmlNamespace& ns) const;
  std::vector<XmlNode> children(std::string_view name, const XmlNamespace& ns) const;
  std::vector<XmlNode> children() const;  // every element child, in order

  // Appends a new empty element. The namespaced form reuses a declaration of
  // ns.uri in scope, or declares ns.prefix on the new element.
  XmlNode add_child(std::string_view name);
  XmlNode add_child(std::string_view name, const XmlNamespace& ns);
  // The first child named `name`, appended if there is none: for updating a
  // document without disturbing what else it holds.
  XmlNode ensure_child(std::string_view name);
  // Appends a deep copy of `source`, which may belong to another document.
  XmlNode add_child_copy(XmlNode source);

  // Attributes without a namespace. Values are taken literally: "&" stays "&".
  void set_attr(std::string_view name, std::string_view value);
  std::optional<std::string> attr(std::string_view name) const;
  bool remove_attr(std::string_view name);  // false if it was not there

  // Replaces every child (elements too) by one text node holding `value`
  // literally.
  void set_text(std::string_view value);
  std::string text() const;  // all descendant text, concatenated

  // Unlinks this element from its document and frees it; this handle and any
  // other handle on it or below it must not be used afterwards.
  void remove();

  // XPath relative to this element. `namespaces` binds the prefixes the
  // expression uses. Yields the elements of the resulting node-set, in
  // document order; attributes and text nodes in it are skipped, and a result
  // that is not a node-set (count(...)) is an error.
  Result<std::vector<XmlNode>> xpath_nodes(std::string_view expression,
                                           const std::vector<XmlNamespace>& namespaces = {}) const;
  // A node-set yields each node's string value (attributes and text nodes
  // included); a string, number or boolean yields one string.
  Result<std::vector<std::string>> xpath_strings(std::string_view expression,
                                                 const std::vector<XmlNamespace>& namespaces = {}) const;
  // The first string xpath_strings() would return, nullopt if none.
  Result<std::optional<std::string>> xpath_string(std::string_view expression,
                                                  const std::vector<XmlNamespace>& namespaces = {}) const;

  // This element and its subtree as indented XML, ending with a newline.
  std::string to_string() const;

  _xmlNode* raw() const { return m_node; }
  bool operator==(const XmlNode& other) const { return m_node == other.m_node; }

private:
  _xmlNode* m_node;
};

}  // namespace virtplan::providers
