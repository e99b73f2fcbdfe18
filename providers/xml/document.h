#pragma once

// XmlDocument owns one libxml2 document. Parse libvirt's XML with parse(),
// build new XML with create() and XmlNode, and turn it back into text with
// to_string(). Documents are never shared between threads; distinct documents
// may be used from distinct threads at once.
//
// Parsing is hardened: no network access, no entity substitution, no DTD
// loading. Whitespace-only text between elements is dropped so that
// to_string() re-indents consistently whatever the input's layout.
// to_string() writes no XML declaration, as libvirt's dumpxml does.

#include "providers/base/error.h"
#include "providers/xml/namespace.h"
#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

struct _xmlDoc;

namespace virtplan::providers {

class XmlDocument {
public:
  // `source` names the text in error messages: "domain web: 3:14: ...".
  static Result<XmlDocument> parse(std::string_view xml, std::string_view source = "xml");
  static XmlDocument create(std::string_view root_name);
  static XmlDocument create(std::string_view root_name, const XmlNamespace& ns);

  XmlDocument copy() const;  // an independent deep copy

  XmlNode root() const;
  // Indented with two spaces, UTF-8, no XML declaration, ending with a newline.
  std::string to_string() const;

  _xmlDoc* raw() const { return m_doc.get(); }

private:
  struct Free {
    void operator()(_xmlDoc* doc) const;
  };
  explicit XmlDocument(_xmlDoc* doc) : m_doc(doc) {}

  std::unique_ptr<_xmlDoc, Free> m_doc;
};

// The canonical JSON of what `read` (a kind's XML reader, read_pool_xml:
// XmlDocument to Result<PoolSpec>) finds in `xml`, parsed as `source`: a
// kind's parse_xml() in one call.
template <class Read>
Result<nlohmann::json> read_xml_as_json(std::string_view xml, std::string_view source, Read read) {
  auto document = XmlDocument::parse(xml, source);
  if (!document) return fail(document.error());
  auto typed = read(*document);
  if (!typed) return fail(typed.error());
  return typed->to_json();
}

// Makes libxml2 ready for use from several threads. Called by XmlDocument
// itself; call it from main() before starting threads to be sure.
void init_xml();

}  // namespace virtplan::providers
