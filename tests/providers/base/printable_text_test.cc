// printable_text(): what a terminal would act on is escaped, the rest kept.

#include "providers/base/printable_text.h"

#include <catch2/catch.hpp>

using virtplan::providers::printable_text;

TEST_CASE("printable_text escapes C0, DEL, C1, bidi overrides and bytes that are not UTF-8") {
  CHECK(printable_text("plain text, caf\u00e9, \u65e5\u672c") == "plain text, caf\u00e9, \u65e5\u672c");
  CHECK(printable_text("a\nb\rc\td") == R"(a\nb\rc\td)");
  CHECK(printable_text("\x1b[31mred\x07") == R"(\e[31mred\x07)");
  CHECK(printable_text(std::string("nul\0!", 5)) == R"(nul\x00!)");
  CHECK(printable_text("del\x7f") == R"(del\x7f)");
  CHECK(printable_text("\xc2\x9b"
                       "2J") == R"(\u009b2J)");  // C1 CSI, as UTF-8
  CHECK(printable_text("\x9b"
                       "2J") == R"(\x9b2J)");  // C1 CSI, a lone byte
  CHECK(printable_text("\xff\xfe") == R"(\xff\xfe)");
  CHECK(printable_text("\xc0\xaf") == R"(\xc0\xaf)");  // overlong '/'
  CHECK(printable_text("\xe2\x80\xae"
                       "evil") == R"(\u202eevil)");    // right-to-left override
  CHECK(printable_text("\xe2\x82") == R"(\xe2\x82)");  // truncated
  CHECK(printable_text("back\\slash") == "back\\slash");
}
