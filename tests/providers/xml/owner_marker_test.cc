#include "providers/xml/owner_marker.h"

#include "providers/virsh/list_dump_reading.h"

#include <catch2/catch.hpp>

namespace virtplan::providers {
namespace {

TEST_CASE("with_owner_marker adds the marker that read_owner reads, keeping the rest") {
  const std::string xml = "<network><name>lan</name><uuid>1234</uuid></network>";
  auto marked = with_owner_marker(xml, "demo");
  REQUIRE(marked.has_value());
  CHECK(read_owner(*marked).value() == std::optional<std::string>("demo"));
  CHECK(marked->find("<uuid>1234</uuid>") != std::string::npos);
}

TEST_CASE("with_owner_marker replaces another marker and keeps other metadata") {
  const std::string xml =
      "<domain><name>web</name><metadata><app:x xmlns:app=\"urn:app\">1</app:x>"
      "<vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\" stack=\"old\"/></metadata></domain>";
  auto marked = with_owner_marker(xml, "demo");
  REQUIRE(marked.has_value());
  CHECK(read_owner(*marked).value() == std::optional<std::string>("demo"));
  CHECK(marked->find("stack=\"old\"") == std::string::npos);
  CHECK(marked->find("urn:app") != std::string::npos);
}

TEST_CASE("with_owner_marker fails on text that is not XML") {
  CHECK_FALSE(with_owner_marker("<domain", "demo").has_value());
}

}  // namespace
}  // namespace virtplan::providers
