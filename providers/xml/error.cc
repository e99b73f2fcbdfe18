#include "providers/xml/error.h"

#include <fmt/format.h>
#include <libxml/xmlerror.h>

#include <cctype>

namespace virtplan::providers {
namespace {

// libxml2 messages start with a capital and end with a newline; ours do not.
std::string tidy(const char* raw) {
  std::string message = raw != nullptr ? raw : "unknown error";
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
    message.pop_back();
  }
  if (!message.empty() && std::isupper(static_cast<unsigned char>(message[0])) &&
      (message.size() < 2 || !std::isupper(static_cast<unsigned char>(message[1])))) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  return message;
}

}  // namespace

void XmlErrors::add(std::string message) { m_messages.push_back(std::move(message)); }

void XmlErrors::collect(void* self, _xmlError* error) {
  auto* errors = static_cast<XmlErrors*>(self);
  if (error == nullptr) {
    return;
  }
  // Warnings (an unknown xmlns URI form, say) do not make a document invalid.
  if (error->level == XML_ERR_WARNING) {
    return;
  }
  std::string message = tidy(error->message);
  if (error->line > 0) {
    message = error->int2 > 0 ? fmt::format("{}:{}: {}", error->line, error->int2, message)
                              : fmt::format("{}: {}", error->line, message);
  }
  errors->add(std::move(message));
}

std::string XmlErrors::joined(const std::string& fallback) const {
  if (m_messages.empty()) {
    return fallback;
  }
  std::string text;
  for (const auto& message : m_messages) {
    if (!text.empty()) {
      text += "\n";
    }
    text += message;
  }
  return text;
}

}  // namespace virtplan::providers
