#include "cli/humanize.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

TEST(FormatAgoTest, Buckets) {
  const int64_t now = 1'764'330'000'000;
  EXPECT_EQ(FormatAgo(now, now), "just now");
  EXPECT_EQ(FormatAgo(now, now + 5000), "just now");  // clock skew
  EXPECT_EQ(FormatAgo(now, now - 999), "just now");
  EXPECT_EQ(FormatAgo(now, now - 5000), "5s ago");
  EXPECT_EQ(FormatAgo(now, now - 59'999), "59s ago");
  EXPECT_EQ(FormatAgo(now, now - 60'000), "1m ago");
  EXPECT_EQ(FormatAgo(now, now - 3'599'000), "59m ago");
  EXPECT_EQ(FormatAgo(now, now - 3'600'000), "1h ago");
  EXPECT_EQ(FormatAgo(now, now - 47 * 3'600'000LL), "47h ago");
  EXPECT_EQ(FormatAgo(now, now - 72 * 3'600'000LL), "3d ago");
}

TEST(HumanSizeTest, DockerStyle) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(999), "999B");
  EXPECT_EQ(HumanSize(1000), "1kB");
  EXPECT_EQ(HumanSize(4260), "4.26kB");
  EXPECT_EQ(HumanSize(17'100'000), "17.1MB");
  EXPECT_EQ(HumanSize(512'000'000), "512MB");
  EXPECT_EQ(HumanSize(999'999), "1MB");
  EXPECT_EQ(HumanSize(1'200'000'000), "1.2GB");
}

TEST(ShortDigestTest, StripsAlgorithm) {
  EXPECT_EQ(ShortDigest("sha256:0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(ShortDigest("0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(ShortDigest("sha256:abc"), "abc");
  EXPECT_EQ(ShortDigest(""), "");
}

TEST(EpochSecondsToMsTest, KeepsFractions) {
  EXPECT_EQ(EpochSecondsToMs(1764330000.123), 1764330000123);
  EXPECT_EQ(EpochSecondsToMs(0), 0);
}

}  // namespace
}  // namespace gantry::cli
