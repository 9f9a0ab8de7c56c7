// `ferry run archive|restore RUN...`: hide runs from `run list`, as az ml job archive does.
#include "ferry/cli/command_tree.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

struct ArchiveOptions {
    std::vector<std::string> names;
};

Result<void> archive(Context& ctx, const ArchiveOptions& options, bool archived) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto changed,
               run::set_runs_archived(workspace.db(), options.names, archived, workspace.name()));
    const std::size_t kept = options.names.size() - changed;
    ctx.err << fmt::format(
        "{} {} run{}{}\n", archived ? "archived" : "restored", changed, changed == 1 ? "" : "s",
        kept == 0 ? std::string()
                  : fmt::format(" ({} already {})", kept, archived ? "archived" : "not archived"));
    return {};
}

}  // namespace

void add_run_archive_verbs(CommandTree& tree, CLI::App* group) {
    for (const bool archived : {true, false}) {
        tree.add_verb<ArchiveOptions>(
            group, archived ? "archive" : "restore",
            archived ? "Hide runs from 'run list' (kept, and shown with --include-archived)"
                     : "Bring archived runs back into 'run list'",
            [](CLI::App& verb, ArchiveOptions& o) {
                verb.add_option("run,-n,--name", o.names, "The runs' names")
                    ->required()
                    ->type_name(value::run);
            },
            [archived](Context& ctx, const ArchiveOptions& o) {
                return archive(ctx, o, archived);
            });
    }
}

}  // namespace ferry::cli
