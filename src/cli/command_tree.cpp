#include "ferry/cli/command_tree.hpp"

#include "ferry/version.hpp"

namespace ferry::cli {

namespace {

struct GroupInfo {
    const char* name;
    const char* description;
    const char* pending;  // non-null while this version has only some verbs of the group
};

constexpr GroupInfo k_groups[] = {
    {"workspace", "Create, list, show, choose and delete workspaces", nullptr},
    {"compute", "Compute targets: this machine, Slurm clusters",
     "This version has local computes; Slurm clusters come later."},
    {"env", "Environments: venv, conda and Docker images for jobs", nullptr},
    {"run", "Submit jobs and follow, cancel and download their runs",
     "This version runs jobs on the local compute; metrics and compare come later."},
    {"model", "Register, list and download models", nullptr},
    {"dataset", "Register, list and download datasets", nullptr},
};

}  // namespace

CommandTree::CommandTree()
    : m_root("ferry: Azure ML style training jobs on your own machines, Docker and Slurm",
             "ferry") {
    m_root.set_version_flag("--version", std::string("ferry ") + k_version);
    m_root.add_option("-w,--workspace", workspace, "Workspace to use (default: resolved)")
        ->type_name(value::workspace);
    m_root.add_option("-o,--output", output, "Output format: table, json, yaml or tsv")
        ->type_name(value::format);
    m_root.add_flag("-v,--verbose", verbose, "Explain what ferry does on stderr");
    m_root.add_flag("--no-color", no_color, "Never colour the output");
    m_root.footer(
        "Run 'ferry GROUP --help' for the verbs of a group; 'man ferry' for the whole manual.");
    for (const auto& info : k_groups) {
        CLI::App* sub = m_root.add_subcommand(info.name, info.description);
        sub->fallthrough();
        if (info.pending != nullptr) {
            sub->footer(info.pending);
        }
    }
}

CLI::App* CommandTree::group(const std::string& name) {
    return m_root.get_subcommand(name);
}

}  // namespace ferry::cli
