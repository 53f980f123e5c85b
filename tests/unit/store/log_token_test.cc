#include "store/log_token.h"

#include <gtest/gtest.h>

#include <limits>

#include "result_matchers.h"

namespace gantry::store {
namespace {

TEST(LogTokenTest, RoundTrips) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (LogToken t : {LogToken{LogToken::Direction::kForward, {1700000000000, 42}},
                     LogToken{LogToken::Direction::kBackward, {0, 1}},
                     LogToken{LogToken::Direction::kForward, {kMin, 0}},
                     LogToken{LogToken::Direction::kBackward, {kMax, kMax}},
                     LogToken{LogToken::Direction::kForward, {-5, -1}}}) {
    std::string text = EncodeLogToken(t);
    GANTRY_ASSERT_OK_AND_ASSIGN(LogToken back, DecodeLogToken(text));
    EXPECT_EQ(back.direction, t.direction) << text;
    EXPECT_EQ(back.position.timestamp_ms, t.position.timestamp_ms) << text;
    EXPECT_EQ(back.position.id, t.position.id) << text;
  }
  EXPECT_EQ(EncodeLogToken({LogToken::Direction::kForward, {12, 3}}), "f/12/3");
}

TEST(LogTokenTest, RejectsAnythingElse) {
  for (const char* bad : {"", "f", "f/", "f//", "f/1/", "f//1", "q/1/2", "f/1/2/3", "f/1x/2",
                          "F/1/2", "f/+1/2", "f/ 1/2", "f/99999999999999999999/1"}) {
    GANTRY_EXPECT_ERROR(DecodeLogToken(bad), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace gantry::store
