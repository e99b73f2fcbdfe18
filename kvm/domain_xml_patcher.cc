#include "kvm/domain_xml_patcher.h"

#include "providers/xml/node.h"

#include <fmt/format.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <memory>
#include <regex>

namespace virtplan::kvm {

using providers::ErrorCode;
using providers::Result;
using providers::XmlDocument;
using providers::XmlNode;

namespace {

// One XPath match: an element, or an attribute of `element` named `attribute`.
struct Match {
  xmlNodePtr element;
  std::optional<std::string> attribute;
};

struct FreeXPathContext {
  void operator()(xmlXPathContextPtr context) const { xmlXPathFreeContext(context); }
};
struct FreeXPathObject {
  void operator()(xmlXPathObjectPtr object) const { xmlXPathFreeObject(object); }
};

// Attribute matches are what the XmlNode XPath helpers skip, hence libxml2 here.
Result<std::vector<Match>> find(const XmlDocument& document, const std::string& path) {
  std::unique_ptr<xmlXPathContext, FreeXPathContext> context(xmlXPathNewContext(document.raw()));
  std::unique_ptr<xmlXPathObject, FreeXPathObject> result(
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(path.c_str()), context.get()));
  if (!result) return providers::fail(ErrorCode::invalid, fmt::format("invalid XPath '{}'", path));
  if (result->type != XPATH_NODESET) {
    return providers::fail(ErrorCode::invalid, fmt::format("XPath '{}' does not select nodes", path));
  }
  std::vector<Match> matches;
  xmlNodeSetPtr nodes = result->nodesetval;
  for (int i = 0; nodes != nullptr && i < nodes->nodeNr; ++i) {
    xmlNodePtr node = nodes->nodeTab[i];
    if (node->type == XML_ELEMENT_NODE) {
      matches.push_back({node, std::nullopt});
    } else if (node->type == XML_ATTRIBUTE_NODE && node->ns == nullptr) {
      matches.push_back({node->parent, std::string(reinterpret_cast<const char*>(node->name))});
    }
  }
  return matches;
}

// Creates the elements a plain absolute path names and returns the match.
std::optional<Match> create_path(XmlDocument& document, const std::string& path) {
  static const std::regex k_plain(R"(^(/[A-Za-z_][\w.-]*)+(/@[A-Za-z_][\w.-]*)?$)");
  if (!std::regex_match(path, k_plain)) return std::nullopt;
  std::vector<std::string> steps;
  for (std::size_t at = 1; at <= path.size();) {
    std::size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    steps.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  XmlNode node = document.root();
  if (steps.front() != node.name()) return std::nullopt;
  Match match{nullptr, std::nullopt};
  for (std::size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].starts_with("@")) {
      match.attribute = steps[i].substr(1);
      break;
    }
    node = node.ensure_child(steps[i]);
  }
  match.element = node.raw();
  return match;
}

void set_value(const Match& match, const std::string& value) {
  XmlNode element(match.element);
  if (match.attribute) {
    element.set_attr(*match.attribute, value);
  } else {
    element.set_text(value);
  }
}

Result<void> apply_set(XmlDocument& document, const DomainSpec::XmlPatch& patch, std::size_t index) {
  auto matches = find(document, patch.path);
  if (!matches) return providers::fail(matches.error().with_context(fmt::format("xml patch {}", index)));
  if (matches->empty()) {
    auto created = create_path(document, patch.path);
    if (!created) {
      return providers::fail(
          ErrorCode::invalid,
          fmt::format("xml patch {}: set '{}' matches nothing in the domain XML", index, patch.path));
    }
    matches->push_back(*created);
  }
  for (const Match& match : *matches) set_value(match, patch.value);
  return {};
}

Result<void> apply_remove(XmlDocument& document, const DomainSpec::XmlPatch& patch, std::size_t index,
                          DomainXmlPatcher::Missing missing) {
  auto matches = find(document, patch.path);
  if (!matches) return providers::fail(matches.error().with_context(fmt::format("xml patch {}", index)));
  if (matches->empty() && missing == DomainXmlPatcher::Missing::error) {
    return providers::fail(
        ErrorCode::invalid,
        fmt::format("xml patch {}: remove '{}' matches nothing in the domain XML", index, patch.path));
  }
  // Attributes first, then elements from the last: removing an element frees
  // everything below it, which later matches may point into.
  for (auto it = matches->rbegin(); it != matches->rend(); ++it) {
    if (it->attribute) XmlNode(it->element).remove_attr(*it->attribute);
  }
  for (auto it = matches->rbegin(); it != matches->rend(); ++it) {
    if (!it->attribute) XmlNode(it->element).remove();
  }
  return {};
}

}  // namespace

Result<void> DomainXmlPatcher::apply(XmlDocument& document, const std::vector<DomainSpec::XmlPatch>& patches,
                                     Missing missing) {
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const auto& patch = patches[i];
    auto done = patch.op == DomainSpec::XmlPatch::Op::set ? apply_set(document, patch, i + 1)
                                                          : apply_remove(document, patch, i + 1, missing);
    if (!done) return done;
  }
  return {};
}

bool DomainXmlPatcher::holds(const XmlDocument& document, const DomainSpec::XmlPatch& patch) {
  auto matches = find(document, patch.path);
  if (!matches) return false;
  if (patch.op == DomainSpec::XmlPatch::Op::remove) return matches->empty();
  if (matches->empty()) return false;
  for (const Match& match : *matches) {
    XmlNode element(match.element);
    std::string value = match.attribute ? element.attr(*match.attribute).value_or("") : element.text();
    if (value != patch.value) return false;
  }
  return true;
}

}  // namespace virtplan::kvm
