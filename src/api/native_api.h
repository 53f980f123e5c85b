// NativeApi: the versioned REST API (/v1/...) over the services, image store and log store.
// Documented in docs/api.md.
#pragma once

#include <string>

#include "api/router.h"
#include "image/image_store.h"
#include "services/service_service.h"
#include "services/task_definition_service.h"
#include "services/task_service.h"
#include "store/log_store.h"
#include "store/store.h"

namespace gantry::api {

struct NativeApiDeps {
  store::Store& store;
  store::LogStore& logs;
  image::ImageStore& images;
  services::TaskDefinitionService& taskdefs;
  services::TaskService& tasks;
  services::ServiceService& services;
  std::string version;
};

class NativeApi {
 public:
  explicit NativeApi(NativeApiDeps deps);
  HttpResponse Handle(const HttpRequest& req) const { return router_.Dispatch(req); }

 private:
  HttpResponse TaskLogs(const HttpRequest& req, const std::string& id) const;

  NativeApiDeps d_;
  Router router_;
};

}  // namespace gantry::api
