#include "aws/aws_services.h"

namespace gantry::aws {

Result<void> RegisterAwsServices(AwsFrontend& frontend, const AwsServiceDeps& deps) {
  // ---- AWS adapters register here, e.g.:
  //   GANTRY_TRY(frontend.Register(std::make_unique<EcsService>(deps.taskdefs, deps.tasks, ...)));
  //   GANTRY_TRY(frontend.Register(std::make_unique<LogsService>(deps.logs, ...)));
  (void)frontend;
  (void)deps;
  return Ok();
}

}  // namespace gantry::aws
