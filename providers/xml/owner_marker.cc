#include "providers/xml/owner_marker.h"

#include "providers/xml/document.h"

namespace virtplan::providers {

const XmlNamespace& owner_namespace() {
  static const XmlNamespace k_owner{"vp", "https://virtplan.dev/xmlns/owner/1"};
  return k_owner;
}

void set_owner_marker(XmlNode root, std::string_view stack) {
  XmlNode metadata = root.ensure_child("metadata");
  for (XmlNode old : metadata.children("owner", owner_namespace())) old.remove();
  metadata.add_child("owner", owner_namespace()).set_attr("stack", stack);
}

Result<std::string> with_owner_marker(std::string_view xml, std::string_view stack) {
  auto document = XmlDocument::parse(xml);
  if (!document) return fail(document.error());
  set_owner_marker(document->root(), stack);
  return document->to_string();
}

}  // namespace virtplan::providers
