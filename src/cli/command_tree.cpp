#include "ferry/cli/command_tree.hpp"

#include "ferry/version.hpp"

namespace ferry::cli {

namespace {

struct GroupInfo {
    const char* name;
    const char* description;
};

constexpr GroupInfo k_groups[] = {
    {"workspace", "Create, list, show, choose, verify, clean and delete workspaces"},
    {"compute", "Compute targets: this machine, Slurm clusters"},
    {"env", "Environments: venv, conda and Docker images for jobs"},
    {"run", "Submit jobs and follow, cancel and download their runs"},
    {"model", "Register, list and download models"},
    {"dataset", "Register, list and download datasets"},
    {"component", "Register versioned command components, their code snapshotted"},
    {"datastore", "Name folders that stand for Azure storage (datastores)"},
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
        m_root.add_subcommand(info.name, info.description)->fallthrough();
    }
}

std::string verb_footer(const CLI::App& group) {
    const bool root = group.get_parent() == nullptr;
    return std::string(
               "Global options:\n"
               "  -w,--workspace WORKSPACE    Workspace to use (default: resolved)\n"
               "  -o,--output FORMAT          Output format: table, json, yaml or tsv\n"
               "  -v,--verbose                Explain what ferry does on stderr\n"
               "  --no-color                  Never colour the output\n\n"
               "The manual: ") +
           (root ? std::string("man ferry") : "man ferry-" + group.get_name());
}

CLI::App* CommandTree::group(const std::string& name) {
    return m_root.get_subcommand(name);
}

}  // namespace ferry::cli
