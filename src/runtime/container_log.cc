#include "runtime/container_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "common/fd.h"
#include "runtime/runtime.h"

namespace gantry::runtime {

void LineSplitter::Emit(std::string_view text, int64_t now_ms, std::string& out) const {
  char ts[24];
  auto r = std::to_chars(ts, ts + sizeof ts, now_ms);
  out.append(ts, r.ptr);
  out.append(is_stderr_ ? " stderr " : " stdout ");
  out.append(text);
  out.push_back('\n');
}

void LineSplitter::Feed(std::string_view data, int64_t now_ms, std::string& out) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
    // Respect the cap across the buffered prefix too.
    size_t room = kMaxLogLine - partial_.size();
    if (piece.size() >= room && (piece.size() > room || nl == std::string_view::npos)) {
      if (partial_.empty()) {
        Emit(piece.substr(0, room), now_ms, out);
      } else {
        partial_.append(piece.substr(0, room));
        Emit(partial_, now_ms, out);
        partial_.clear();
      }
      data.remove_prefix(room);
      continue;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return;
    }
    if (partial_.empty()) {
      Emit(piece, now_ms, out);
    } else {
      partial_.append(piece);
      Emit(partial_, now_ms, out);
      partial_.clear();
    }
    data.remove_prefix(nl + 1);
  }
}

void LineSplitter::Flush(int64_t now_ms, std::string& out) {
  if (partial_.empty()) return;
  Emit(partial_, now_ms, out);
  partial_.clear();
}

namespace {

LogLine ParseLine(std::string_view line) {
  LogLine out;
  size_t sp = line.find(' ');
  if (sp != std::string_view::npos &&
      std::from_chars(line.data(), line.data() + sp, out.timestamp_ms).ec == std::errc()) {
    std::string_view rest = line.substr(sp + 1);
    if (rest.substr(0, 7) == "stdout ") {
      out.text = std::string(rest.substr(7));
      return out;
    }
    if (rest.substr(0, 7) == "stderr ") {
      out.is_stderr = true;
      out.text = std::string(rest.substr(7));
      return out;
    }
  }
  // Not ours (hand-edited or truncated file): keep the bytes rather than dropping them.
  out.timestamp_ms = 0;
  out.text = std::string(line);
  return out;
}

}  // namespace

Result<LogChunk> ReadLogLines(const std::string& path, int64_t offset, size_t max_lines) {
  if (offset < 0) return MakeError(ErrorCode::kInvalidArgument, "{}: negative offset", path);
  LogChunk chunk;
  chunk.next_offset = offset;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "{}: no such file", path);
    return ErrnoError("open " + path, errno);
  }
  std::string buf;
  constexpr size_t kRead = 256 * 1024;
  int64_t pos = offset;
  while (chunk.lines.size() < max_lines) {
    size_t old = buf.size();
    buf.resize(old + kRead);
    ssize_t n = ::pread(fd.get(), buf.data() + old, kRead, pos);
    if (n < 0) {
      if (errno == EINTR) {
        buf.resize(old);
        continue;
      }
      return ErrnoError("read " + path, errno);
    }
    buf.resize(old + static_cast<size_t>(n));
    pos += n;
    size_t start = 0;
    while (chunk.lines.size() < max_lines) {
      size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      chunk.lines.push_back(ParseLine(std::string_view(buf).substr(start, nl - start)));
      chunk.next_offset += static_cast<int64_t>(nl + 1 - start);
      start = nl + 1;
    }
    buf.erase(0, start);
    if (n == 0) break;  // EOF; a trailing partial line is left for the next call
  }
  return chunk;
}

}  // namespace gantry::runtime
