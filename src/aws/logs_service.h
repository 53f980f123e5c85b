// LogsService: the CloudWatch Logs JSON 1.1 dialect over the LogStore: groups, streams, events,
// retention, GetLogEvents paging and FilterLogEvents. Groups are per region (model/region.h).
#pragma once

#include <map>
#include <variant>
#include <string>

#include "aws/aws_service.h"
#include "common/clock.h"
#include "model/arn.h"
#include "store/log_store.h"

namespace gantry::aws {

class LogsService final : public AwsService {
 public:
  // `account`: the account id in ARNs and the region used when a call names none.
  LogsService(store::LogStore& logs, const Clock& clock, model::Account account);

  std::string TargetPrefix() const override { return "Logs_20140328"; }
  std::string SigningName() const override { return "logs"; }
  std::string ModelName() const override { return "logs"; }
  AwsResult Call(const AwsCall& call) override;

 private:
  struct Ctx;
  using Handler = AwsResult (LogsService::*)(const Ctx&);

  AwsResult CreateLogGroup(const Ctx& c);
  AwsResult DeleteLogGroup(const Ctx& c);
  AwsResult DescribeLogGroups(const Ctx& c);
  AwsResult PutRetentionPolicy(const Ctx& c);
  AwsResult DeleteRetentionPolicy(const Ctx& c);
  AwsResult CreateLogStream(const Ctx& c);
  AwsResult DeleteLogStream(const Ctx& c);
  AwsResult DescribeLogStreams(const Ctx& c);
  AwsResult PutLogEvents(const Ctx& c);
  AwsResult GetLogEvents(const Ctx& c);
  AwsResult FilterLogEvents(const Ctx& c);

  // The group's LogStore entry, or ResourceNotFoundException.
  std::variant<store::LogGroupInfo, AwsError> Group(const Ctx& c, const std::string& name);
  // Earliest timestamp still visible under the group's retention (reads hide expired events
  // before Housekeeping deletes them).
  int64_t RetentionFloor(const store::LogGroupInfo& g) const;

  store::LogStore& logs_;
  const Clock& clock_;
  model::Account account_;
  std::map<std::string, Handler> ops_;
};

}  // namespace gantry::aws
