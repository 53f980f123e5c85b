// gtest helpers for Result<T>: assert success (printing the error message) or a specific code.
#pragma once

#include <gtest/gtest.h>

#include "common/result.h"

#define GANTRY_ASSERT_OK(expr)                                                       \
  do {                                                                               \
    auto&& gantry_ok_r_ = (expr);                                                    \
    ASSERT_TRUE(gantry_ok_r_.ok()) << #expr << ": " << gantry_ok_r_.error().message; \
  } while (0)

#define GANTRY_EXPECT_OK(expr)                                                       \
  do {                                                                               \
    auto&& gantry_ok_r_ = (expr);                                                    \
    EXPECT_TRUE(gantry_ok_r_.ok()) << #expr << ": " << gantry_ok_r_.error().message; \
  } while (0)

#define GANTRY_ASSERT_OK_AND_ASSIGN(lhs, expr)                                       \
  auto GANTRY_CONCAT(gantry_assign_r_, __LINE__) = (expr);                           \
  ASSERT_TRUE(GANTRY_CONCAT(gantry_assign_r_, __LINE__).ok())                        \
      << #expr << ": " << GANTRY_CONCAT(gantry_assign_r_, __LINE__).error().message; \
  lhs = std::move(GANTRY_CONCAT(gantry_assign_r_, __LINE__)).value()

#define GANTRY_EXPECT_ERROR(expr, expected_code)                                       \
  do {                                                                                 \
    auto&& gantry_err_r_ = (expr);                                                     \
    ASSERT_FALSE(gantry_err_r_.ok())                                                   \
        << #expr << " succeeded, expected " << ::gantry::ErrorCodeName(expected_code); \
    EXPECT_EQ(::gantry::ErrorCodeName(gantry_err_r_.error().code),                     \
              ::gantry::ErrorCodeName(expected_code))                                  \
        << gantry_err_r_.error().message;                                              \
  } while (0)
