// Entry point of the `gantry` command-line client (everything but `gantry server|shim`).
#pragma once

namespace gantry::cli {

// Parses argv (argv[0] is the program name), runs one command against the API and returns the
// process exit code: 0 ok, 1 error, 2 usage error, or the container's code for `run --wait`.
// Never throws.
int CliMain(int argc, char** argv);

}  // namespace gantry::cli
