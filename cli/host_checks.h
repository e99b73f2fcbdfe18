#pragma once

// The checks of `virtplan hosts --check`: a table of named checks, each a
// pure function of what the stack asks of a host (HostDemand) and what the
// host has (HostSurvey), giving one line or a few (one per pool, per
// bridge), each with a verdict. The table is the one place that decides what
// passes; hosts_command.cc only reads the hosts and prints the lines.

#include "cli/host_survey.h"

#include <map>
#include <string>
#include <vector>

namespace virtplan::cli {

enum class Verdict { ok, warn, fail, skipped };

std::string_view verdict_name(Verdict verdict);

struct CheckLine {
  std::string host;
  std::string check;  // "reachable", "pool images", "bridge virbr7"...
  Verdict verdict = Verdict::ok;
  std::string detail;

  bool operator==(const CheckLine&) const = default;
};

// One host as the checks see it: what is asked, what is there (or why the
// host could not be reached), and every other host's survey, for the check
// that finds two entries naming one host.
struct CheckInput {
  const std::string& host;
  const providers::HostConfig& config;
  const HostDemand& demand;
  const providers::Result<HostSurvey>& survey;
  const std::map<std::string, const HostSurvey*>& others;  // reached hosts, by name, this one excluded
};

// Every check's lines for one host, in the table's order. A host that was not
// reached gets the failed "reachable" line and every other check "skipped".
std::vector<CheckLine> check_host(const CheckInput& input);

// The names of the checks, in order (for the docs and tests).
std::vector<std::string> host_check_names();

}  // namespace virtplan::cli
