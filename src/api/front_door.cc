#include "api/front_door.h"

#include "api/router.h"

namespace gantry::api {

HttpResponse FrontDoor::Handle(const HttpRequest& req) const {
  if (!req.Header("x-amz-target").empty()) {
    // AWS JSON 1.0/1.1 surfaces arrive with X-Amz-Target; they are served by the AWS adapters.
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
