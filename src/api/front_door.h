// FrontDoor: the single HTTP entry point. Routes each request to the surface that owns it:
// AWS JSON protocols (X-Amz-Target / SigV4, a later issue), the OCI registry (/v2/, later), the
// native REST API (/v1/, /healthz). One port, one server.
#pragma once

#include "api/http_types.h"
#include "api/native_api.h"

namespace gantry::api {

class FrontDoor {
 public:
  explicit FrontDoor(NativeApi& native) : native_(native) {}
  HttpResponse Handle(const HttpRequest& req) const;

 private:
  NativeApi& native_;
};

}  // namespace gantry::api
