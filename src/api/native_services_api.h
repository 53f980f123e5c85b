// Native REST routes for ECS services (/v1/services...), documented in docs/api.md "Services".
#pragma once

#include "api/router.h"
#include "services/service_service.h"

namespace gantry::api {

void AddServiceRoutes(Router& router, services::ServiceService& services);

}  // namespace gantry::api
