#pragma once

// The small text helpers every layer uses on what hosts print and people
// type: case, surrounding white space, lines and words. One rule each:
//   lowercase("52:54:00:AA:00:01") == "52:54:00:aa:00:01" (ASCII only);
//   trimmed(" shut off\n") == "shut off" (white space as isspace() says);
//   lines_of("a\n\nb\n") == {"a", "", "b"} (no line after a final newline);
//   words_of(" vnet0  52:54:00:aa:00:01 ") == {"vnet0", "52:54:00:aa:00:01"};
//   first_line("\n running \nmore\n") == "running" (of the trimmed text, trimmed).

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

std::string lowercase(std::string_view text);
std::string_view trimmed(std::string_view text);
std::vector<std::string_view> lines_of(std::string_view text);
std::vector<std::string> words_of(std::string_view line);
std::string_view first_line(std::string_view text);

}  // namespace virtplan::providers
