#include "cli/duration.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, Accepts) {
  struct Case {
    const char* text;
    int64_t ms;
  };
  for (const Case& c : std::initializer_list<Case>{{"0", 0},
                                                   {"30", 30'000},
                                                   {"30s", 30'000},
                                                   {"250ms", 250},
                                                   {"5m", 300'000},
                                                   {"2h", 7'200'000},
                                                   {"1h30m", 5'400'000},
                                                   {"1d", 86'400'000},
                                                   {"1.5h", 5'400'000},
                                                   {"1m30s500ms", 90'500},
                                                   {".5s", 500}}) {
    auto r = ParseDuration(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().message;
    EXPECT_EQ(r->count(), c.ms) << c.text;
  }
}

TEST(ParseDurationTest, Rejects) {
  for (const char* text : {"", "s", "5x", "-5s", "5 s", "1h-", "m5", "5.s.", "h", "1.2.3s",
                           "99999999999999999s", "3650000d", "10ms5"}) {
    auto r = ParseDuration(text);
    EXPECT_FALSE(r.ok()) << "'" << text << "' parsed as " << (r.ok() ? r->count() : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_NE(r.error().message.find("invalid duration"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace gantry::cli
