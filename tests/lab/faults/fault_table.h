#pragma once

// FaultRow is one line of the fault-injection table: a kind of fault and what
// its runs came to. The table is printed to the test's output and written to
// a file that the README's reliability section quotes.

#include <fmt/format.h>

#include <string>
#include <vector>

namespace virtplan::lab::faults {

struct FaultRow {
  std::string fault;
  int runs = 0;
  int injected = 0;   // runs where the fault hit virtplan mid-apply
  int converged = 0;  // runs whose next apply succeeded and whose plan after it was empty
  int lost = 0;       // the stack's objects that vanished or were made again, foreign objects that vanished
  int touched = 0;    // foreign objects changed or removed
  int unowned = 0;    // objects left on the host that are neither foreign nor in the stack's ledger
  int stale = 0;      // ledger entries, after the next apply, for objects the host does not hold
  std::string elsewhere;  // a fault another test covers: where

  void add(const FaultRow& run) {
    runs += run.runs;
    injected += run.injected;
    converged += run.converged;
    lost += run.lost;
    touched += run.touched;
    unowned += run.unowned;
    stale += run.stale;
  }
};

inline FaultRow fault_row(std::string fault) {
  FaultRow row;
  row.fault = std::move(fault);
  return row;
}

// A row for a fault another test covers.
inline FaultRow covered_elsewhere(std::string fault, std::string where) {
  FaultRow row = fault_row(std::move(fault));
  row.elsewhere = std::move(where);
  return row;
}

inline std::string render_fault_table(const std::vector<FaultRow>& rows) {
  std::string out =
      "| fault injected | runs | hit mid-apply | next apply converged | objects lost | foreign objects touched | "
      "unowned objects left | stale ledger entries |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const FaultRow& r : rows) {
    if (!r.elsewhere.empty()) {
      out += fmt::format("| {} | - | - | - | - | - | - | - (covered by {}) |\n", r.fault, r.elsewhere);
      continue;
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", r.fault, r.runs, r.injected,
                       r.converged, r.lost, r.touched, r.unowned, r.stale);
  }
  return out;
}

}  // namespace virtplan::lab::faults
