#include "providers/xml/relax_ng_schema.h"

#include "providers/xml/error.h"

#include <fmt/format.h>
#include <libxml/relaxng.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <unistd.h>

namespace virtplan::providers {
namespace {

struct RelaxNgParserFree {
  void operator()(xmlRelaxNGParserCtxtPtr parser) const { xmlRelaxNGFreeParserCtxt(parser); }
};
struct ValidatorFree {
  void operator()(xmlRelaxNGValidCtxtPtr validator) const { xmlRelaxNGFreeValidCtxt(validator); }
};

Result<std::shared_ptr<RelaxNgSchema>> parse_schema(const std::string& path) {
  // Checked first: libxml2 reports a missing file on its global handler only.
  if (access(path.c_str(), R_OK) != 0) {
    return fail(ErrorCode::not_found,
                fmt::format("{}: cannot read relaxng schema: {}", path, std::strerror(errno)));
  }
  std::unique_ptr<xmlRelaxNGParserCtxt, RelaxNgParserFree> parser(xmlRelaxNGNewParserCtxt(path.c_str()));
  if (!parser) {
    return fail(ErrorCode::other, fmt::format("{}: out of memory", path));
  }
  XmlErrors errors;
  xmlRelaxNGSetParserStructuredErrors(parser.get(), XmlErrors::collect, &errors);
  xmlRelaxNGPtr schema = xmlRelaxNGParse(parser.get());
  if (schema == nullptr) {
    return fail(ErrorCode::invalid, fmt::format("{}: {}", path, errors.joined("cannot read relaxng schema")));
  }
  return std::make_shared<RelaxNgSchema>(path, schema);
}

}  // namespace

RelaxNgSchema::RelaxNgSchema(std::string path, _xmlRelaxNG* schema)
    : m_path(std::move(path)), m_schema(schema) {}

RelaxNgSchema::~RelaxNgSchema() { xmlRelaxNGFree(m_schema); }

Result<std::shared_ptr<RelaxNgSchema>> RelaxNgSchema::load(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<RelaxNgSchema>> cache;
  init_xml();
  // Held while parsing, so that two threads asking at once parse it once.
  std::lock_guard lock(mutex);
  if (auto found = cache.find(path); found != cache.end()) {
    return found->second;
  }
  auto schema = parse_schema(path);
  if (schema) {
    cache.emplace(path, *schema);
  }
  return schema;
}

std::vector<std::string> RelaxNgSchema::problems(const XmlDocument& document) const {
  std::lock_guard lock(m_mutex);
  std::unique_ptr<xmlRelaxNGValidCtxt, ValidatorFree> validator(xmlRelaxNGNewValidCtxt(m_schema));
  XmlErrors errors;
  xmlRelaxNGSetValidStructuredErrors(validator.get(), XmlErrors::collect, &errors);
  int status = xmlRelaxNGValidateDoc(validator.get(), document.raw());
  if (status != 0 && errors.empty()) {
    errors.add(status < 0 ? "internal error while validating" : "document does not match");
  }
  return errors.messages();
}

Result<void> RelaxNgSchema::validate(const XmlDocument& document) const {
  auto found = problems(document);
  if (found.empty()) {
    return {};
  }
  XmlErrors errors;
  for (auto& problem : found) {
    errors.add(std::move(problem));
  }
  return fail(ErrorCode::invalid, fmt::format("does not match {}:\n{}", m_path, errors.joined("")));
}

}  // namespace virtplan::providers
