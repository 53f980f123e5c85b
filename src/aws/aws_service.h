// The seam between the AWS wire protocol (SigV4, JSON 1.0/1.1 framing, error shapes, request
// validation against the botocore models — aws_frontend) and each AWS-compatible service
// (ECS, CloudWatch Logs, later SQS/SSM/ECR/...), which are thin adapters over services/.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <variant>

namespace gantry::aws {

// An error in the service's own convention: HTTP status, `__type` (e.g. "ClientException",
// "InvalidParameterException", "ResourceNotFoundException") and message.
struct AwsError {
  int status = 400;
  std::string type;
  std::string message;
};

// One authenticated, parsed and model-validated call.
struct AwsCall {
  std::string operation;      // "RunTask"
  std::string region;         // from the SigV4 credential scope
  std::string access_key_id;  // who signed it
  boost::json::object input;  // the request body
};

using AwsResult = std::variant<boost::json::object, AwsError>;

class AwsService {
 public:
  virtual ~AwsService() = default;
  // X-Amz-Target prefix, e.g. "AmazonEC2ContainerServiceV20141113" or "Logs_20140328".
  virtual std::string TargetPrefix() const = 0;
  // SigV4 signing name in the credential scope, e.g. "ecs", "logs".
  virtual std::string SigningName() const = 0;
  // botocore model id under botocore/data/, e.g. "ecs", "logs".
  virtual std::string ModelName() const = 0;
  virtual AwsResult Call(const AwsCall& call) = 0;
};

}  // namespace gantry::aws
