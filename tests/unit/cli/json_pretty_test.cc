#include "cli/json_pretty.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace gantry::cli {
namespace {

TEST(PrettyJsonTest, IndentsNestedValues) {
  auto v = boost::json::parse(R"({"a":1,"b":[true,null,"x\"y"],"c":{},"d":[],"e":{"f":1.5}})");
  EXPECT_EQ(PrettyJson(v),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    true,\n"
            "    null,\n"
            "    \"x\\\"y\"\n"
            "  ],\n"
            "  \"c\": {},\n"
            "  \"d\": [],\n"
            "  \"e\": {\n"
            "    \"f\": 1.5\n"
            "  }\n"
            "}");
}

TEST(PrettyJsonTest, TimestampsAreNotInExponentForm) {
  auto v = boost::json::parse(R"({"createdAt":1764330000.123})");
  EXPECT_EQ(PrettyJson(v), "{\n  \"createdAt\": 1764330000.123\n}");
}

TEST(PrettyJsonTest, RoundTrips) {
  auto v = boost::json::parse(R"({"k\n":"v\u0001","n":[1,2,{"x":"y"}]})");
  EXPECT_EQ(boost::json::parse(PrettyJson(v)), v);
}

}  // namespace
}  // namespace gantry::cli
