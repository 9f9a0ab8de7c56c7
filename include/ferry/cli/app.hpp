#pragma once

#include "ferry/core/context.hpp"

namespace ferry::cli {

// Parses the command line, runs the chosen verb and returns the process exit status.
// Every error ends here as one "ferry: error: ..." line on ctx.err.
[[nodiscard]] int run(int argc, const char* const* argv, Context& ctx);

// main(): a Context over the real process (environment, cwd, terminal, std streams).
[[nodiscard]] int main_entry(int argc, char** argv);

}  // namespace ferry::cli
