#pragma once

// XmlNamespace is an XML namespace as a document spells it: the prefix its
// elements carry and the URI that identifies it. Only the URI matters when
// matching; the prefix is what new elements are written with and what XPath
// expressions use.

#include <string>

namespace virtplan::providers {

struct XmlNamespace {
  std::string prefix;  // "vp"
  std::string uri;     // "https://virtplan.dev/xmlns/owner/1"
};

}  // namespace virtplan::providers
