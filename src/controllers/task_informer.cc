#include "controllers/task_informer.h"

#include "services/task_service.h"

namespace gantry::controllers {

TaskInformer::TaskInformer(store::Store& store)
    : Informer<model::Task>(store, services::TaskService::kKind,
                            [](const store::Object& o) -> std::optional<model::Task> {
                              auto t = model::TaskFromStoreJson(o.value);
                              if (!t.ok()) return std::nullopt;
                              return std::move(t).value();
                            }) {}

}  // namespace gantry::controllers
