#pragma once

// StackLoader reads stack files into a Stack and checks them, collecting every
// problem of the run into Diagnostics (see stack-format.md, "Rules the loader
// enforces"). The passes, in order:
//   1. each file: size, UTF-8, YAML syntax, nesting, aliases, duplicate keys;
//   2. the sections of all files merged; a name declared twice is reported at
//      the second place, naming the first;
//   3. `stack:`, `hosts:` and `profiles:` read, then replica groups (`count:`)
//      expanded into their members (planner/replica_groups.h);
//   4. each object placed on its hosts (`host: X`, `hosts: [X, Y]`, `hosts: all`:
//      one StackObject per host; `host: auto`: see load()'s `placed`, and a
//      `host: auto` volume then moves to the host of the domain using it), its profile merged under it
//      (domains only; shallow: a key the domain sets replaces the profile's whole value), and read by its
//      kind, then its unknown keys reported;
//   5. each kind's resolve(); then the registry's expanders add the objects
//      the stack implies (a domain's cloud-init seed volume), resolved too;
//   6. every reference checked against the objects, then each kind's check().
// Kinds and expanders are reached only through the registry.

#include "planner/stack.h"
#include "planner/stack_files.h"
#include "providers/base/diagnostics.h"
#include "providers/kind/registry.h"

#include <map>
#include <string>
#include <vector>

namespace virtplan::planner {

class StackLoader {
public:
  explicit StackLoader(const providers::KindRegistry& kinds) : m_kinds(kinds) {}

  // The stack the files declare. When `diags` is not empty afterwards the
  // stack is partial and must not be planned. `placed`: the host plan chose
  // for each `host: auto` domain (planner/placement_stage.h); one not in it
  // sits on a provisional host (Stack::auto_placed).
  Stack load(const std::vector<SourceFile>& files, providers::Diagnostics& diags,
             const std::map<std::string, std::string>& placed = {}) const;

private:
  const providers::KindRegistry& m_kinds;
};

}  // namespace virtplan::planner
