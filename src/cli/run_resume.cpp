// `ferry run resume RUN`: a new supervisor for a sweep or a pipeline whose supervisor was lost.
#include "ferry/cli/command_tree.hpp"
#include "ferry/run/sweep.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

struct ResumeOptions {
    std::string name;
    bool wait = false;
};

Result<void> resume(Context& ctx, const ResumeOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    // A sweep whose supervisor died is ended as lost first; resume reopens it.
    TRY(end_lost_runs(ctx, workspace));
    const CommandSeams seams(ctx);
    TRY(run::resume_sweep(ctx, workspace, seams.get(), options.name));
    return print_started(ctx, workspace, options.name, options.wait);
}

}  // namespace

void add_run_resume_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<ResumeOptions>(
        group, "resume",
        "Continue a sweep or a pipeline whose supervisor was lost (killed, or its machine "
        "restarted)",
        [](CLI::App& verb, ResumeOptions& o) {
            verb.add_option("run,-n,--name", o.name, "The sweep's or the pipeline's name")
                ->type_name(value::run)
                ->required();
            verb.add_flag("--wait", o.wait, "Wait until it ends; exit with its status");
        },
        resume);
}

}  // namespace ferry::cli
