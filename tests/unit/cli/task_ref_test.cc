#include "cli/task_ref.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

const std::vector<std::string> kIds = {
    "0f3c1a2b3c4d5e6f708192a3b4c5d6e7",
    "0f3d00000000000000000000000000aa",
    "abcdef00000000000000000000000001",
};

TEST(TaskIdFromArnTest, TakesTheLastSegment) {
  EXPECT_EQ(TaskIdFromArn("arn:aws:ecs:us-east-1:000000000000:task/default/0f3c"), "0f3c");
  EXPECT_EQ(TaskIdFromArn("0f3c"), "0f3c");
  EXPECT_EQ(TaskIdFromArn(""), "");
}

TEST(IsFullTaskIdTest, ThirtyTwoLowerHex) {
  EXPECT_TRUE(IsFullTaskId(kIds[0]));
  EXPECT_FALSE(IsFullTaskId("0f3c"));
  EXPECT_FALSE(IsFullTaskId("0F3C1A2B3C4D5E6F708192A3B4C5D6E7"));
  EXPECT_FALSE(IsFullTaskId("zf3c1a2b3c4d5e6f708192a3b4c5d6e7"));
}

TEST(MatchTaskPrefixTest, UniquePrefixResolves) {
  auto r = MatchTaskPrefix("0f3c", kIds);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, kIds[0]);
  EXPECT_EQ(*MatchTaskPrefix("a", kIds), kIds[2]);
  EXPECT_EQ(*MatchTaskPrefix("ABCDEF", kIds), kIds[2]);  // case-insensitive
  EXPECT_EQ(*MatchTaskPrefix(kIds[1], kIds), kIds[1]);   // a full id is its own prefix
}

TEST(MatchTaskPrefixTest, AmbiguousPrefixNamesTheCandidates) {
  auto r = MatchTaskPrefix("0f3", kIds);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("ambiguous"), std::string::npos);
  EXPECT_NE(r.error().message.find("0f3c1a2b3c4d"), std::string::npos);
  EXPECT_NE(r.error().message.find("0f3d00000000"), std::string::npos);
}

TEST(MatchTaskPrefixTest, NoMatchIsNotFound) {
  auto r = MatchTaskPrefix("ffff", kIds);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "no task matches 'ffff'");
  EXPECT_FALSE(MatchTaskPrefix("0f", {}).ok());
}

TEST(MatchTaskPrefixTest, DuplicateIdsCountOnce) {
  auto r = MatchTaskPrefix("ab", {kIds[2], kIds[2]});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, kIds[2]);
}

}  // namespace
}  // namespace gantry::cli
