// TaskInformer: the Informer of every task (model::Task), for the scheduler and controllers.
#pragma once

#include "controllers/informer.h"
#include "model/task.h"

namespace gantry::controllers {

class TaskInformer : public Informer<model::Task> {
 public:
  explicit TaskInformer(store::Store& store);
  const std::map<std::string, model::Task>& tasks() const { return items(); }
};

}  // namespace gantry::controllers
