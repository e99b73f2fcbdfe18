#pragma once

// Sha256 hashes content in pieces (a streamed upload, a seed's inputs) and
// gives the digest as lowercase hex, the form virtplan records in ledgers and
// specs ("sha256": "9f86d0...").

#include <memory>
#include <string>
#include <string_view>

namespace virtplan::providers {

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view bytes);
  void update(const void* data, std::size_t size);
  // The digest of everything so far, as 64 lowercase hex digits. The hash
  // can go on: update() after hex() continues from where it was.
  std::string hex() const;

  // The digest of one piece of content.
  static std::string of(std::string_view bytes);

private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace virtplan::providers
