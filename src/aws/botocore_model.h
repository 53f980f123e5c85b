// ServiceModel: a botocore service model (botocore/data/<service>/<api-version>/service-2.json[.gz],
// from the python3-botocore package) and validation of a request's JSON input against an
// operation's input shape: types, required members, enums, length and range limits.
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/aws_service.h"
#include "common/result.h"

namespace gantry::aws {

// Where botocore models are looked for, in order: $GANTRY_BOTOCORE_DATA (colon-separated), then
// Debian's python3-botocore, then the awscli package's bundled copy.
std::vector<std::string> DefaultModelRoots();

class ServiceModel {
 public:
  // Loads the newest API version of `name` ("ecs", "logs") under the first root that has it.
  static Result<std::shared_ptr<const ServiceModel>> Load(
      const std::string& name, const std::vector<std::string>& roots = DefaultModelRoots());
  // Parses service-2.json text (tests, fuzzing).
  static Result<std::shared_ptr<const ServiceModel>> Parse(std::string_view json_text,
                                                           std::string source = "<memory>");

  const std::string& source() const { return source_; }  // file it was read from
  const std::string& protocol() const { return protocol_; }          // "json", "query", ...
  const std::string& json_version() const { return json_version_; }  // "1.0" or "1.1"
  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& signing_name() const { return signing_name_; }
  bool HasOperation(const std::string& operation) const;

  // Validates `input` (the parsed request body) for `operation`. Returns the first problem as
  // the error AWS gives: 400 SerializationException for wrong JSON types, 400 with the service's
  // validation type (ValidationException, else InvalidParameterException) for unknown members,
  // missing required members and constraint violations (Coral's "N validation errors detected:
  // Value ... at '...' failed to satisfy constraint: ..."); 400 UnknownOperationException.
  std::optional<AwsError> ValidateInput(const std::string& operation,
                                        const boost::json::value& input) const;

  // The type the service uses for input validation failures.
  const std::string& validation_error_type() const { return validation_type_; }
  // "message" or "Message": the member name the service's error shape uses for `error_type`.
  std::string ErrorMessageKey(const std::string& error_type) const;

 private:
  ServiceModel() = default;
  boost::json::value model_;  // the whole document; shapes/operations are looked up by name
  std::string source_, protocol_, json_version_, target_prefix_, signing_name_, validation_type_;
};

}  // namespace gantry::aws
