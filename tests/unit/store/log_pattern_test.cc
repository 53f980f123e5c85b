#include "store/log_pattern.h"

#include <gtest/gtest.h>

#include "result_matchers.h"

namespace gantry::store {
namespace {

TEST(LogPatternTest, SplitsTermsAndKeepsQuotedPhrases) {
  struct Case {
    std::string pattern;
    std::vector<std::string> terms;
  };
  for (const Case& c : std::vector<Case>{
           {"", {}},
           {"   ", {}},
           {"ERROR", {"ERROR"}},
           {" ERROR\tdisk  ", {"ERROR", "disk"}},
           {"\"disk full\"", {"disk full"}},
           {"a \"b c\" d", {"a", "b c", "d"}},
           {"x\"y z\"", {"x", "y z"}},
           {"\"\"", {}},
       }) {
    GANTRY_ASSERT_OK_AND_ASSIGN(LogPattern p, LogPattern::Parse(c.pattern));
    EXPECT_EQ(p.terms(), c.terms) << "pattern: " << c.pattern;
  }
}

TEST(LogPatternTest, AllTermsMustAppear) {
  GANTRY_ASSERT_OK_AND_ASSIGN(LogPattern p, LogPattern::Parse("ERROR \"disk full\""));
  EXPECT_TRUE(p.Matches("ERROR: disk full on sda"));
  EXPECT_TRUE(p.Matches("disk full, ERROR"));
  EXPECT_FALSE(p.Matches("ERROR: full disk"));
  EXPECT_FALSE(p.Matches("error: disk full"));  // case-sensitive, like CloudWatch
  GANTRY_ASSERT_OK_AND_ASSIGN(LogPattern any, LogPattern::Parse(""));
  EXPECT_TRUE(any.MatchesEverything());
  EXPECT_TRUE(any.Matches(""));
}

TEST(LogPatternTest, UnterminatedQuoteIsAnError) {
  GANTRY_EXPECT_ERROR(LogPattern::Parse("ok \"never closed"), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace gantry::store
