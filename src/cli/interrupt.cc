#include "cli/interrupt.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

#include "cli/spinner.h"

namespace gantry::cli {

namespace {

// Two buffers so that a note is never rewritten while the handler may be reading it.
constexpr size_t kMaxNote = 512;
char g_notes[2][kMaxNote];
std::atomic<int> g_note_len[2] = {0, 0};
std::atomic<int> g_current{-1};

void OnInterrupt(int) {
  Spinner::EraseFromSignalHandler();
  int i = g_current.load();
  if (i >= 0) {
    ssize_t ignored = ::write(STDERR_FILENO, g_notes[i], static_cast<size_t>(g_note_len[i].load()));
    (void)ignored;
  }
  ::_exit(128 + SIGINT);
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
}

void SetInterruptNote(std::string_view note) {
  if (note.empty()) {
    g_current.store(-1);
    return;
  }
  int next = g_current.load() == 0 ? 1 : 0;
  size_t n = std::min(note.size(), kMaxNote - 1);
  std::memcpy(g_notes[next], note.data(), n);
  g_notes[next][n] = '\n';
  g_note_len[next].store(static_cast<int>(n + 1));
  g_current.store(next);
}

}  // namespace gantry::cli
