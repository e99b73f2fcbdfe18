#pragma once

// The lines of apply's command trace (`--log-file`, providers/host/
// command_trace.h) that lab tests read to see when each command ran:
//
//   2026-12-07T13:05:01.123Z lab1 shell 3ms exit=0 out=0B err=0B: virsh define ...
//
// stamped when the command ended, with how long it took.

#include <chrono>
#include <ctime>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace virtplan::lab {

struct TraceLine {
  std::string host;
  std::string command;                // what was sent: "virsh define /dev/stdin", a script and its arguments
  std::chrono::milliseconds ended{};  // since the epoch
  std::chrono::milliseconds took{};
  std::chrono::milliseconds started() const { return ended - took; }
};

inline std::string trace_file_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The trace's command lines, in its order; other lines are skipped.
inline std::vector<TraceLine> trace_lines(const std::string& text) {
  static const std::regex line(
      R"((\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z (\S+) \S+ (\d+)ms [^:]*: (.*))");
  std::vector<TraceLine> lines;
  std::istringstream in(text);
  for (std::string one; std::getline(in, one);) {
    std::smatch m;
    if (!std::regex_match(one, m, line)) continue;
    std::tm tm{};
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    tm.tm_hour = std::stoi(m[4]);
    tm.tm_min = std::stoi(m[5]);
    tm.tm_sec = std::stoi(m[6]);
    const auto ended = std::chrono::seconds(timegm(&tm)) + std::chrono::milliseconds(std::stoi(m[7]));
    lines.push_back(TraceLine{m[8], m[10], std::chrono::duration_cast<std::chrono::milliseconds>(ended),
                              std::chrono::milliseconds(std::stoi(m[9]))});
  }
  return lines;
}

}  // namespace virtplan::lab
