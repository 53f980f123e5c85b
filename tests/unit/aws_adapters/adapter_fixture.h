// Shared by the adapter tests: a real SQLite Store and LogStore in a temp dir, a fake clock, and
// helpers that call an AwsService like the frontend does (after SigV4 and model validation).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "aws/aws_service.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "store/log_store.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace gantry::aws::testing {

using FakeClock = ::gantry::testing::FakeClock;

class AdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenSqliteStore(dir_.Sub("state.db"))).value();
    logs_ = std::move(store::OpenSqliteLogStore(dir_.Sub("logs.db"))).value();
  }
  void TearDown() override {
    logs_.reset();
    store_.reset();
  }

  static boost::json::object J(const std::string& text) {
    return ParseJson(text).value().as_object();
  }
  AwsResult Call(AwsService& svc, const std::string& op, const std::string& input,
                 const std::string& region = "us-east-1") {
    return svc.Call(AwsCall{op, region, "AKIDTEST", J(input)});
  }
  // The reply of a call that must succeed.
  boost::json::object Ok(AwsService& svc, const std::string& op, const std::string& input,
                         const std::string& region = "us-east-1") {
    auto r = Call(svc, op, input, region);
    if (auto* e = std::get_if<AwsError>(&r)) {
      ADD_FAILURE() << op << " " << input << " -> " << e->type << ": " << e->message;
      return {};
    }
    return std::get<boost::json::object>(r);
  }
  // The error of a call that must fail.
  AwsError Err(AwsService& svc, const std::string& op, const std::string& input,
               const std::string& region = "us-east-1") {
    auto r = Call(svc, op, input, region);
    if (auto* o = std::get_if<boost::json::object>(&r)) {
      ADD_FAILURE() << op << " " << input << " unexpectedly succeeded: "
                    << boost::json::serialize(*o);
      return {};
    }
    return std::get<AwsError>(r);
  }
  static std::string S(const boost::json::value& v) { return std::string(v.as_string()); }

  ::gantry::testing::TempDir dir_{"gantry-aws-"};  // removed after the stores are closed
  FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::LogStore> logs_;
};

}  // namespace gantry::aws::testing
