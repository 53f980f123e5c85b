// HttpSurface: an API surface mounted on the FrontDoor next to the native REST API (the AWS
// JSON protocols today, the OCI registry later). The first surface that claims a request serves it.
#pragma once

#include "api/http_types.h"

namespace gantry::api {

class HttpSurface {
 public:
  virtual ~HttpSurface() = default;
  // Cheap, header-only test: does this request belong to this surface?
  virtual bool Handles(const HttpRequest& req) const = 0;
  // Called concurrently from the handler pool.
  virtual HttpResponse Handle(const HttpRequest& req) = 0;
};

}  // namespace gantry::api
