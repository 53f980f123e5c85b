#include "cli/spinner.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>

namespace gantry::cli {

namespace {

constexpr std::array<const char*, 10> kFrames = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
constexpr std::chrono::milliseconds kFrameInterval{100};
constexpr char kEraseLine[] = "\r\033[K";

// Read by the SIGINT handler; true while a status line is on screen.
std::atomic<bool> g_line_drawn{false};

}  // namespace

Spinner::Spinner(bool enabled) : enabled_(enabled) {
  if (enabled_) thread_ = std::thread([this] { Loop(); });
}

Spinner::~Spinner() { Stop(); }

void Spinner::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    EraseLocked();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Spinner::SetStatus(std::string status) {
  std::lock_guard lock(mu_);
  status_ = std::move(status);
  if (enabled_ && !stopping_) DrawLocked();
}

void Spinner::Write(std::FILE* out, std::string_view text) {
  std::lock_guard lock(mu_);
  EraseLocked();
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
  if (enabled_ && !stopping_) DrawLocked();
}

void Spinner::EraseFromSignalHandler() {
  if (g_line_drawn.load()) {
    ssize_t ignored = ::write(STDERR_FILENO, kEraseLine, sizeof(kEraseLine) - 1);
    (void)ignored;
  }
}

void Spinner::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    DrawLocked();
    ++frame_;
    cv_.wait_for(lock, kFrameInterval, [this] { return stopping_; });
  }
}

void Spinner::DrawLocked() {
  if (status_.empty()) return;
  std::string line = kEraseLine;
  line += kFrames[frame_ % kFrames.size()];
  line += ' ';
  line += status_;
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  g_line_drawn.store(true);
}

void Spinner::EraseLocked() {
  if (!drawn_) return;
  std::fputs(kEraseLine, stderr);
  std::fflush(stderr);
  drawn_ = false;
  g_line_drawn.store(false);
}

}  // namespace gantry::cli
