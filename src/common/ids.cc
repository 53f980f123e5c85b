#include "common/ids.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace gantry {

std::string RandomHex(size_t n_chars) {
  static const char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> buf((n_chars + 1) / 2);
  // The kernel's CSPRNG (getrandom blocks only before it is seeded at boot).
  for (size_t got = 0; got < buf.size();) {
    ssize_t n = ::getrandom(buf.data() + got, buf.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // no randomness on a Linux >= 3.17 kernel cannot happen
    got += static_cast<size_t>(n);
  }
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
