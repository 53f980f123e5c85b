// Human-readable renderings for tables: relative ages, byte sizes, short ids and digests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::cli {

// "5s ago", "3m ago", "2h ago", "4d ago"; "just now" under a second; future times (clock skew)
// read "just now" as well.
std::string FormatAgo(int64_t now_ms, int64_t then_ms);

// Docker-style decimal sizes with three significant digits: "512B", "4.26kB", "17.1MB", "1.2GB".
std::string HumanSize(uint64_t bytes);

// "sha256:0123456789abcdef..." -> "0123456789ab"; anything else: the first 12 characters.
std::string ShortDigest(std::string_view digest);

// Epoch seconds (as the API sends them, fractions allowed) to milliseconds.
int64_t EpochSecondsToMs(double seconds);

}  // namespace gantry::cli
