#include "common/ids.h"

#include <openssl/rand.h>

#include <vector>

namespace gantry {

std::string RandomHex(size_t n_chars) {
  static const char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> buf((n_chars + 1) / 2);
  RAND_bytes(buf.data(), static_cast<int>(buf.size()));
  std::string out;
  out.reserve(n_chars);
  for (unsigned char b : buf) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  out.resize(n_chars);
  return out;
}

std::string RandomUuid() {
  std::string h = RandomHex(32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

}  // namespace gantry
