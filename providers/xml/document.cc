#include "providers/xml/document.h"

#include "providers/xml/error.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include <climits>
#include <mutex>

namespace virtplan::providers {
namespace {

const xmlChar* to_xml(const std::string& text) { return reinterpret_cast<const xmlChar*>(text.c_str()); }

// No network, no DTD loading, no entity substitution (those options are simply
// not set), and whitespace between elements dropped so output re-indents.
constexpr int k_parse_options = XML_PARSE_NONET | XML_PARSE_NOBLANKS;

// The parser's structured error hook receives the parser context (its
// userData); the context's _private points at our collector.
void on_parse_error(void* context, xmlErrorPtr error) {
  auto* parser = static_cast<xmlParserCtxtPtr>(context);
  XmlErrors::collect(parser->_private, error);
}

struct ParserFree {
  void operator()(xmlParserCtxtPtr parser) const { xmlFreeParserCtxt(parser); }
};

}  // namespace

void init_xml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

void XmlDocument::Free::operator()(_xmlDoc* doc) const { xmlFreeDoc(doc); }

Result<XmlDocument> XmlDocument::parse(std::string_view xml, std::string_view source) {
  init_xml();
  if (xml.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(ErrorCode::invalid, fmt::format("{}: document too large", source));
  }
  std::unique_ptr<xmlParserCtxt, ParserFree> parser(xmlNewParserCtxt());
  if (!parser) {
    return fail(ErrorCode::other, fmt::format("{}: out of memory", source));
  }
  XmlErrors errors;
  parser->_private = &errors;
  parser->sax->serror = on_parse_error;
  xmlDocPtr doc = xmlCtxtReadMemory(parser.get(), xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8",
                                    k_parse_options);
  XmlDocument document(doc);
  // Namespace errors leave a document behind; they are still errors.
  if (doc == nullptr || !errors.empty() || xmlDocGetRootElement(doc) == nullptr) {
    return fail(ErrorCode::invalid,
                fmt::format("{}: {}", source, errors.joined("not a well-formed xml document")));
  }
  return document;
}

XmlDocument XmlDocument::create(std::string_view root_name) {
  init_xml();
  xmlDocPtr doc = xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0"));
  xmlNodePtr root = xmlNewDocNode(doc, nullptr, to_xml(std::string(root_name)), nullptr);
  xmlDocSetRootElement(doc, root);
  return XmlDocument(doc);
}

XmlDocument XmlDocument::create(std::string_view root_name, const XmlNamespace& ns) {
  XmlDocument document = create(root_name);
  xmlNodePtr root = xmlDocGetRootElement(document.raw());
  xmlSetNs(root, xmlNewNs(root, to_xml(ns.uri), to_xml(ns.prefix)));
  return document;
}

XmlDocument XmlDocument::copy() const { return XmlDocument(xmlCopyDoc(m_doc.get(), 1)); }

XmlNode XmlDocument::root() const { return XmlNode(xmlDocGetRootElement(m_doc.get())); }

std::string XmlDocument::to_string() const { return root().to_string(); }

}  // namespace virtplan::providers
