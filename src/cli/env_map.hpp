#pragma once

#include "ferry/cli/command_tree.hpp"

namespace ferry::cli {

// `ferry env map`: environments of Azure registries and curated ones, mapped to a registered
// environment or to the host.
void add_env_map_verb(CommandTree& tree, CLI::App* group);

}  // namespace ferry::cli
