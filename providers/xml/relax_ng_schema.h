#pragma once

// RelaxNgSchema is a parsed RelaxNG schema (libvirt ships them in
// /usr/share/libvirt/schemas), for checking the XML we generate before libvirt
// sees it. Parsing domain.rng takes a while, so load() keeps every schema it
// parsed for the life of the process.

#include "providers/base/error.h"
#include "providers/xml/document.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct _xmlRelaxNG;

namespace virtplan::providers {

class RelaxNgSchema {
public:
  // The schema at `path`, parsed once per process; thread-safe.
  static Result<std::shared_ptr<RelaxNgSchema>> load(const std::string& path);

  // Every problem found in `document` ("12:0: element memory: ..."); empty
  // when it is valid.
  std::vector<std::string> problems(const XmlDocument& document) const;
  // Succeeds when `document` is valid; otherwise ErrorCode::invalid with every
  // problem, one per line.
  Result<void> validate(const XmlDocument& document) const;

  const std::string& path() const { return m_path; }

  RelaxNgSchema(std::string path, _xmlRelaxNG* schema);
  ~RelaxNgSchema();
  RelaxNgSchema(const RelaxNgSchema&) = delete;
  RelaxNgSchema& operator=(const RelaxNgSchema&) = delete;

private:
  std::string m_path;
  _xmlRelaxNG* m_schema;
  // libxml2 does not promise that one schema validates on two threads at once.
  mutable std::mutex m_mutex;
};

}  // namespace virtplan::providers
