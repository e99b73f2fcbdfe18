#include "providers/base/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace virtplan::providers {

// An EVP context, freed with the object. OpenSSL fails here only when out
// of memory, which virtplan treats like the allocator failing: it throws.
struct Sha256::State {
  State() : context(EVP_MD_CTX_new()) {
    if (context == nullptr || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) {
      EVP_MD_CTX_free(context);
      throw std::bad_alloc();
    }
  }
  ~State() { EVP_MD_CTX_free(context); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  EVP_MD_CTX* context;
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

void Sha256::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(m_state->context, data, size) != 1) throw std::bad_alloc();
}

std::string Sha256::hex() const {
  // Finalising consumes the context: finish a copy so the hash can go on.
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  bool ok = copy != nullptr && EVP_MD_CTX_copy_ex(copy, m_state->context) == 1 &&
            EVP_DigestFinal_ex(copy, digest.data(), &length) == 1;
  EVP_MD_CTX_free(copy);
  if (!ok) throw std::bad_alloc();
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(k_digits[digest[i] >> 4]);
    out.push_back(k_digits[digest[i] & 0x0f]);
  }
  return out;
}

std::string Sha256::of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex();
}

}  // namespace virtplan::providers
