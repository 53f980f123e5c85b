// AwsFrontend: the AWS JSON 1.0/1.1 protocol front. Finds the service by X-Amz-Target, verifies
// SigV4 (scope service must match), parses and validates the body against the botocore model,
// calls the AwsService and writes AWS-shaped replies and errors. A request that fails any check
// never reaches AwsService::Call.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/http_surface.h"
#include "aws/aws_service.h"
#include "aws/botocore_model.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/result.h"

namespace gantry::aws {

class KeyStore;

struct AwsFrontendOptions {
  std::vector<std::string> model_roots = DefaultModelRoots();
};

class AwsFrontend final : public api::HttpSurface {
 public:
  AwsFrontend(SecretLookup secrets, std::function<int64_t()> now_seconds,
              AwsFrontendOptions options = {});
  // Production wiring: secrets from the key store, time from the clock.
  AwsFrontend(KeyStore& keys, const Clock& clock, AwsFrontendOptions options = {});

  // Register every service before the HTTP server starts (the table is read without locks).
  // Loads the service's botocore model; fails when it is missing or the target prefix is taken.
  Result<void> Register(AwsService* service);
  Result<void> Register(std::unique_ptr<AwsService> service);  // the frontend owns it
  // With an explicit model (tests).
  Result<void> Register(AwsService* service, std::shared_ptr<const ServiceModel> model);

  // X-Amz-Target present, or SigV4 material (AWS4 Authorization header / X-Amz-Algorithm).
  bool Handles(const api::HttpRequest& req) const override;
  api::HttpResponse Handle(const api::HttpRequest& req) override;

 private:
  struct Entry {
    AwsService* service = nullptr;
    std::shared_ptr<const ServiceModel> model;
    std::string signing_name;
    std::string content_type;  // application/x-amz-json-1.0 or -1.1
  };
  api::HttpResponse Error(const Entry* entry, const AwsError& e, const std::string& request_id,
                          const std::string& operation) const;

  SigV4Verifier verifier_;
  AwsFrontendOptions options_;
  std::map<std::string, Entry> by_prefix_;
  std::vector<std::unique_ptr<AwsService>> owned_;
};

}  // namespace gantry::aws
