// The OCI runtime's binary on a read-only mount. crun (and runc) guard against a container
// overwriting the host's runtime binary through /proc/self/exe (CVE-2019-5736) by re-executing
// themselves on every invocation from a sealed copy (crun: a read-only bind of /proc/self/exe on
// a temporary file, else a memfd) — unless the binary already sits on a read-only mount, which
// gives the same guarantee. Binding it read-only once saves every `run`, `exec`, `kill` and
// `delete` two mounts, an unmount, a second execve and a second dynamic loading.
#pragma once

#include <string>

#include "common/result.h"

namespace gantry::runtime {

// Binds `binary` (a path, or a name looked up in PATH) read-only onto <dir>/<its name> and
// returns that path. An existing read-only bind of the same file there is reused; one of another
// file (the runtime was upgraded since) is replaced. The mount outlives the server, like the run
// dir it lives in; `gantry server` makes it at start.
Result<std::string> ReadOnlyRuntimeBinary(const std::string& binary, const std::string& dir);

}  // namespace gantry::runtime
