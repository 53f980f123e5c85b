// FrontDoor: the single HTTP entry point. Routes each request to the surface that owns it:
// mounted HttpSurfaces first (the AWS JSON protocols: X-Amz-Target / SigV4; the OCI registry
// /v2/, later), then the native REST API (/v1/, /healthz). One port, one server.
#pragma once

#include <vector>

#include "api/http_surface.h"
#include "api/http_types.h"
#include "api/native_api.h"

namespace gantry::api {

class FrontDoor {
 public:
  explicit FrontDoor(NativeApi& native, std::vector<HttpSurface*> surfaces = {})
      : native_(native), surfaces_(std::move(surfaces)) {}
  HttpResponse Handle(const HttpRequest& req) const;

 private:
  NativeApi& native_;
  std::vector<HttpSurface*> surfaces_;
};

}  // namespace gantry::api
