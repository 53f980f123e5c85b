#include "api/front_door.h"

#include "api/router.h"

namespace gantry::api {

HttpResponse FrontDoor::Handle(const HttpRequest& req) const {
  for (HttpSurface* s : surfaces_) {
    if (s->Handles(req)) return s->Handle(req);
  }
  if (!req.Header("x-amz-target").empty()) {
    // AWS JSON 1.0/1.1 requests without an AWS surface mounted.
    HttpResponse r;
    r.status = 400;
    r.content_type = "application/x-amz-json-1.1";
    r.headers.emplace_back("X-Amzn-ErrorType", "UnknownOperationException");
    r.body = R"({"__type":"UnknownOperationException","message":"AWS API surfaces are not enabled on this server yet"})";
    return r;
  }
  return native_.Handle(req);
}

}  // namespace gantry::api
