#include "aws/aws_services.h"

#include "aws/ecs_service.h"
#include "aws/logs_service.h"

namespace gantry::aws {

Result<void> RegisterAwsServices(AwsFrontend& frontend, const AwsServiceDeps& deps) {
  // ---- AWS adapters register here.
  GANTRY_TRY(frontend.Register(std::make_unique<EcsService>(EcsServiceDeps{
      deps.store, deps.taskdefs, deps.tasks, deps.services, deps.logs, deps.clock})));
  GANTRY_TRY(frontend.Register(std::make_unique<LogsService>(deps.logs, deps.clock, deps.account)));
  return Ok();
}

}  // namespace gantry::aws
