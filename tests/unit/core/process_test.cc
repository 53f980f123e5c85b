// common/process: Spawn puts exactly the given fds at 0, 1, 2, ... in the child, even when a
// source fd is also one of the targets.
#include "common/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/fd.h"

namespace gantry {
namespace {

int FreeFdFrom(int start) {
  for (int fd = start; fd < 1024; ++fd)
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) return fd;
  return -1;
}

// A pipe whose write end sits at the lowest free fd >= start.
std::pair<Fd, Fd> PipeWritingAt(int start) {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  Fd r(p[0]), w(p[1]);
  const int want = FreeFdFrom(start);
  EXPECT_EQ(::dup3(w.get(), want, O_CLOEXEC), want);
  return {std::move(r), Fd(want)};
}

std::string ReadAllFrom(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(SpawnTest, FdsLandInPlaceEvenWhenASourceIsAnEarlierTarget) {
  auto [r1, w1] = PipeWritingAt(3);
  auto [r2, w2] = PipeWritingAt(w1.get() + 1);
  const int a = w1.get(), b = w2.get();
  Fd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(devnull.valid());
  // The child's fd a is w2 and its fd b+1 is w1: copying fds into place in one pass would
  // overwrite a (w1) with w2 before w1 is copied to b+1.
  std::vector<int> fds(static_cast<size_t>(b + 2), devnull.get());
  fds[0] = 0;
  fds[1] = 1;
  fds[2] = 2;
  fds[static_cast<size_t>(a)] = b;
  fds[static_cast<size_t>(b + 1)] = a;
  const std::string script = "echo one >&" + std::to_string(b + 1) + "; echo two >&" +
                             std::to_string(a) + "; [ -e /proc/self/fd/" +
                             std::to_string(b + 2) + " ] && echo leaked >&" + std::to_string(a);
  auto pid = Spawn({.argv = {"sh", "-c", script}, .fds = fds});
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  w1.Reset();
  w2.Reset();
  int st = 0;
  ASSERT_EQ(::waitpid(*pid, &st, 0), *pid);
  EXPECT_EQ(ReadAllFrom(r1.get()), "one\n");
  EXPECT_EQ(ReadAllFrom(r2.get()), "two\n");
}

}  // namespace
}  // namespace gantry
