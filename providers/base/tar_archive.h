#pragma once

// TarArchive builds a POSIX ustar archive in memory: regular files, mode
// 0600, owned by 0:0, dated 1970. It carries a batch's documents to a host in
// one stream that one `tar -x` unpacks (VirshRunner::batch_calls), where
// cutting the stream with one `head -c` per document cost a process each.
// Names are ours ("vpdoc3"): short, plain, never from a user.

#include <string>
#include <string_view>

namespace virtplan::providers {

class TarArchive {
public:
  // Adds a file; `name` must be under 100 bytes.
  void add(std::string_view name, std::string_view content);
  // The archive: the files, then the two empty blocks that end it.
  std::string bytes() const;

private:
  std::string m_data;
};

}  // namespace virtplan::providers
