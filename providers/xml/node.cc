#include "providers/xml/node.h"

#include "providers/xml/error.h"

#include <fmt/format.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <memory>

namespace virtplan::providers {
namespace {

const xmlChar* node_xml_chars(const std::string& text) {
  return reinterpret_cast<const xmlChar*>(text.c_str());
}

// Takes ownership of a string libxml2 allocated.
std::string take(xmlChar* text) {
  if (text == nullptr) {
    return {};
  }
  std::string result(reinterpret_cast<const char*>(text));
  xmlFree(text);
  return result;
}

bool is_named(xmlNodePtr node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && reinterpret_cast<const char*>(node->name) == name;
}

bool in_namespace(xmlNodePtr node, const XmlNamespace* ns) {
  if (ns == nullptr) {
    return node->ns == nullptr;
  }
  return node->ns != nullptr && node->ns->href != nullptr &&
         reinterpret_cast<const char*>(node->ns->href) == ns->uri;
}

std::vector<XmlNode> matching_children(xmlNodePtr parent, std::string_view name, const XmlNamespace* ns) {
  std::vector<XmlNode> found;
  for (xmlNodePtr child = parent->children; child != nullptr; child = child->next) {
    if (is_named(child, name) && in_namespace(child, ns)) {
      found.emplace_back(child);
    }
  }
  return found;
}

struct XPathContextFree {
  void operator()(xmlXPathContextPtr context) const { xmlXPathFreeContext(context); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObjectPtr object) const { xmlXPathFreeObject(object); }
};
using XPathObject = std::unique_ptr<xmlXPathObject, XPathObjectFree>;

// Evaluates with this thread's own context and error hook (no global handler).
Result<XPathObject> evaluate(xmlNodePtr node, std::string_view expression,
                             const std::vector<XmlNamespace>& namespaces) {
  std::unique_ptr<xmlXPathContext, XPathContextFree> context(xmlXPathNewContext(node->doc));
  XmlErrors errors;
  context->node = node;
  context->error = XmlErrors::collect;
  context->userData = &errors;
  for (const auto& ns : namespaces) {
    xmlXPathRegisterNs(context.get(), node_xml_chars(ns.prefix), node_xml_chars(ns.uri));
  }
  std::string text(expression);
  XPathObject result(xmlXPathEvalExpression(node_xml_chars(text), context.get()));
  if (!result || !errors.empty()) {
    return fail(ErrorCode::invalid, fmt::format("xpath '{}': {}", text, errors.joined("invalid expression")));
  }
  return result;
}

}  // namespace

std::string XmlNode::name() const { return reinterpret_cast<const char*>(m_node->name); }

std::optional<std::string> XmlNode::namespace_uri() const {
  if (m_node->ns == nullptr || m_node->ns->href == nullptr) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(m_node->ns->href));
}

std::optional<XmlNode> XmlNode::parent() const {
  if (m_node->parent == nullptr || m_node->parent->type != XML_ELEMENT_NODE) {
    return std::nullopt;
  }
  return XmlNode(m_node->parent);
}

std::optional<XmlNode> XmlNode::child(std::string_view name) const {
  auto found = matching_children(m_node, name, nullptr);
  return found.empty() ? std::nullopt : std::optional(found.front());
}

std::vector<XmlNode> XmlNode::children(std::string_view name) const {
  return matching_children(m_node, name, nullptr);
}

std::optional<XmlNode> XmlNode::child(std::string_view name, const XmlNamespace& ns) const {
  auto found = matching_children(m_node, name, &ns);
  return found.empty() ? std::nullopt : std::optional(found.front());
}

std::vector<XmlNode> XmlNode::children(std::string_view name, const XmlNamespace& ns) const {
  return matching_children(m_node, name, &ns);
}

std::vector<XmlNode> XmlNode::children() const {
  std::vector<XmlNode> found;
  for (xmlNodePtr child = m_node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      found.emplace_back(child);
    }
  }
  return found;
}

XmlNode XmlNode::add_child(std::string_view name) {
  xmlNodePtr child = xmlNewDocNode(m_node->doc, nullptr, node_xml_chars(std::string(name)), nullptr);
  return XmlNode(xmlAddChild(m_node, child));
}

XmlNode XmlNode::add_child(std::string_view name, const XmlNamespace& ns) {
  XmlNode child = add_child(name);
  xmlNsPtr declared = xmlSearchNsByHref(m_node->doc, m_node, node_xml_chars(ns.uri));
  if (declared == nullptr) {
    declared = xmlNewNs(child.m_node, node_xml_chars(ns.uri), node_xml_chars(ns.prefix));
  }
  xmlSetNs(child.m_node, declared);
  return child;
}

XmlNode XmlNode::ensure_child(std::string_view name) {
  if (auto existing = child(name)) {
    return *existing;
  }
  return add_child(name);
}

XmlNode XmlNode::add_child_copy(XmlNode source) {
  xmlNodePtr copy = xmlDocCopyNode(source.m_node, m_node->doc, 1);
  return XmlNode(xmlAddChild(m_node, copy));
}

void XmlNode::set_attr(std::string_view name, std::string_view value) {
  // xmlSetProp stores the value as a text node: nothing in it is parsed.
  xmlSetProp(m_node, node_xml_chars(std::string(name)), node_xml_chars(std::string(value)));
}

std::optional<std::string> XmlNode::attr(std::string_view name) const {
  xmlChar* value = xmlGetNoNsProp(m_node, node_xml_chars(std::string(name)));
  if (value == nullptr) {
    return std::nullopt;
  }
  return take(value);
}

bool XmlNode::remove_attr(std::string_view name) {
  return xmlUnsetProp(m_node, node_xml_chars(std::string(name))) == 0;
}

void XmlNode::set_text(std::string_view value) {
  // Not xmlNodeSetContent: it would read "&amp;" in `value` as an entity.
  xmlNodeSetContent(m_node, nullptr);
  std::string text(value);
  xmlAddChild(m_node, xmlNewDocTextLen(m_node->doc, node_xml_chars(text), static_cast<int>(text.size())));
}

std::string XmlNode::text() const { return take(xmlNodeGetContent(m_node)); }

void XmlNode::remove() {
  xmlUnlinkNode(m_node);
  xmlFreeNode(m_node);
  m_node = nullptr;
}

Result<std::vector<XmlNode>> XmlNode::xpath_nodes(std::string_view expression,
                                                  const std::vector<XmlNamespace>& namespaces) const {
  auto result = evaluate(m_node, expression, namespaces);
  if (!result) {
    return fail(result.error());
  }
  if ((*result)->type != XPATH_NODESET) {
    return fail(ErrorCode::invalid, fmt::format("xpath '{}': the result is not a set of nodes", expression));
  }
  std::vector<XmlNode> nodes;
  xmlNodeSetPtr set = (*result)->nodesetval;
  for (int i = 0; set != nullptr && i < set->nodeNr; ++i) {
    if (set->nodeTab[i]->type == XML_ELEMENT_NODE) {
      nodes.emplace_back(set->nodeTab[i]);
    }
  }
  return nodes;
}

Result<std::vector<std::string>> XmlNode::xpath_strings(std::string_view expression,
                                                        const std::vector<XmlNamespace>& namespaces) const {
  auto result = evaluate(m_node, expression, namespaces);
  if (!result) {
    return fail(result.error());
  }
  std::vector<std::string> strings;
  if ((*result)->type != XPATH_NODESET) {
    strings.push_back(take(xmlXPathCastToString(result->get())));
    return strings;
  }
  xmlNodeSetPtr set = (*result)->nodesetval;
  for (int i = 0; set != nullptr && i < set->nodeNr; ++i) {
    strings.push_back(take(xmlXPathCastNodeToString(set->nodeTab[i])));
  }
  return strings;
}

Result<std::optional<std::string>> XmlNode::xpath_string(std::string_view expression,
                                                         const std::vector<XmlNamespace>& namespaces) const {
  auto strings = xpath_strings(expression, namespaces);
  if (!strings) {
    return fail(strings.error());
  }
  if (strings->empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::move(strings->front()));
}

std::string XmlNode::to_string() const {
  xmlBufferPtr buffer = xmlBufferCreate();
  xmlSaveCtxtPtr save = xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
  xmlSaveTree(save, m_node);
  xmlSaveClose(save);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                   static_cast<std::size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  text += "\n";
  return text;
}

}  // namespace virtplan::providers
