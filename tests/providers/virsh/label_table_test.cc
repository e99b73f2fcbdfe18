// Reading virsh's label-and-value tables (label_table.h), with the tables as
// virsh 9.0 prints them.

#include "providers/virsh/label_table.h"

#include <catch2/catch.hpp>

using namespace virtplan::providers;

TEST_CASE("virsh tables: a label's text and number, the first line that has it") {
  const std::string domjobinfo =
      "Job type:         Unbounded\nOperation:        Outgoing migration\n"
      "Data remaining:   80.512 MiB\nMemory remaining: 80.512 MiB\n";
  CHECK(table_text(domjobinfo, "Data remaining:") == std::optional<std::string_view>("80.512 MiB"));
  CHECK(table_text(domjobinfo, "Job type:") == std::optional<std::string_view>("Unbounded"));
  CHECK_FALSE(table_text(domjobinfo, "Time elapsed:").has_value());
  CHECK_FALSE(table_text("", "Job type:").has_value());

  const std::string nodeinfo = "CPU(s):              16\r\nMemory size:         16318988 KiB\n";
  CHECK(table_number(nodeinfo, "CPU(s):") == std::optional<std::uint64_t>(16));
  CHECK(table_number(nodeinfo, "Memory size:") == std::optional<std::uint64_t>(16318988));
  CHECK_FALSE(table_number("Name: vda\nPhysical: unknown\n", "Physical:").has_value());
  CHECK(table_number("Physical:       196616\nPhysical:       1\n", "Physical:") ==
        std::optional<std::uint64_t>(196616));
}
