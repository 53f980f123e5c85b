#include "controllers/service_informer.h"

namespace gantry::controllers {

ServiceInformer::ServiceInformer(store::Store& store)
    : Informer<services::StoredService>(
          store, services::ServiceService::kKind,
          [](const store::Object& o) -> std::optional<services::StoredService> {
            auto s = model::ServiceFromStoreJson(o.value);
            if (!s.ok()) return std::nullopt;
            return services::StoredService{std::move(s).value(), o.revision};
          }) {}

}  // namespace gantry::controllers
