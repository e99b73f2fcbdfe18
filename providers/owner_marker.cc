#include "providers/owner_marker.h"

#include "providers/list_dump_reading.h"
#include "providers/xml_document.h"
#include "providers/xml_namespace.h"

namespace virtplan::providers {

Result<std::string> with_owner_marker(std::string_view xml, std::string_view stack) {
  auto document = XmlDocument::parse(xml);
  if (!document) return fail(document.error());
  const XmlNamespace vp{"vp", std::string(k_owner_namespace_uri)};
  XmlNode metadata = document->root().ensure_child("metadata");
  for (XmlNode old : metadata.children("owner", vp)) old.remove();
  metadata.add_child("owner", vp).set_attr("stack", stack);
  return document->to_string();
}

}  // namespace virtplan::providers
