// libFuzzer entry point: the input is one stack file, loaded and checked with
// the real kinds. The loader must never crash, hang, or let an exception out;
// a kind that throws is turned into an "internal error" diagnostic by the
// loader, which this target treats as a finding too (abort).

#include "cli/kinds.h"
#include "planner/stack_loader.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace virtplan;
  std::vector<planner::SourceFile> files{
      planner::SourceFile{"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};
  providers::Diagnostics diags;
  planner::Stack stack = planner::StackLoader(cli::kinds()).load(files, diags);
  for (const auto& diagnostic : diags.sorted()) {
    if (diagnostic.message.find("internal error") != std::string::npos) {
      std::fprintf(stderr, "%s\n", diagnostic.str().c_str());
      std::abort();
    }
  }
  return 0;
}
