// `ferry run download`: a run's outputs and logs written out, as Azure lays them out.

#include "asset_support.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/download.hpp"
#include "ferry/run/sweep.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct DownloadOptions {
    std::string name;
    std::string directory;
    std::string output_name;
    std::string path;
    bool all = false;
    bool overwrite = false;
    bool best = false;
};

// The run to download from: RUN, or with --best the best trial of the sweep RUN.
Result<run::RunRecord> source_run(Context& ctx, store::Workspace& workspace,
                                  const DownloadOptions& options) {
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), options.name, workspace.name()));
    if (!options.best) {
        return run;
    }
    if (!run.is_sweep()) {
        return usage_error("--best: run {} is not a sweep (it has no trials to choose from)",
                           run.name);
    }
    TRY_ASSIGN(const auto trials, run::sweep_trials(workspace.db(), run));
    const auto best = run::best_trial(
        trials, run.spec.value("objective", Json::object()).value("goal", "") == "maximize");
    if (!best) {
        return fail(
            "sweep {} has no best trial yet: none of its {} trials completed with its "
            "primary metric",
            run.name, trials.size());
    }
    ctx.err << fmt::format("the best trial of sweep {} is {}\n", run.name, *best);
    return run::get_run(workspace.db(), *best, workspace.name());
}

Result<void> download(Context& ctx, const DownloadOptions& options) {
    if ((options.all ? 1 : 0) + (options.output_name.empty() ? 0 : 1) +
            (options.path.empty() ? 0 : 1) >
        1) {
        return usage_error("give one of --path PATH, --output-name NAME and --all");
    }
    // As the run stores it: "./outputs/m.pkl" and "outputs/" say "outputs/m.pkl", "outputs".
    std::string path = fs::path(options.path).lexically_normal().generic_string();
    while (path.ends_with('/')) {
        path.pop_back();
    }
    if (!options.path.empty() && (path.empty() || path == "." || fs::path(path).is_absolute() ||
                                  *fs::path(path).begin() == "..")) {
        return usage_error(
            "--path '{}': give a path as the run stores it, such as outputs/model.pkl or logs",
            options.path);
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto run, source_run(ctx, workspace, options));
    const fs::path directory =
        (options.directory.empty()                   ? ctx.cwd
         : fs::path(options.directory).is_absolute() ? fs::path(options.directory)
                                                     : ctx.cwd / options.directory)
            .lexically_normal();
    TRY_ASSIGN(const auto written,
               run::download_run(
                   workspace, run,
                   {.directory = directory,
                    .output_name = options.output_name,
                    .all = options.all,
                    .path = path,
                    .overwrite = options.overwrite ? run::Overwrite::yes : run::Overwrite::no}));
    if (!run::is_terminal(run.status)) {
        ctx.warn(
            fmt::format("run {} is {}: these are the logs it has stored so far; its outputs "
                        "are stored when it ends",
                        run.name, run::status_name(run.status)));
    }
    print_download(ctx, written, directory, {"run", run.name}, "");
    return {};
}

}  // namespace

void add_run_download_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<DownloadOptions>(
        group, "download",
        "Download a run's outputs and logs (of a live run, its logs stored so far)",
        [](CLI::App& verb, DownloadOptions& o) {
            verb.add_option("run,-n,--name", o.name, "The run's name")
                ->required()
                ->type_name(value::run);
            verb.add_option("-p,--download-path", o.directory,
                            "Where to write (default: the current directory)")
                ->type_name(value::dir);
            verb.add_option("--output-name", o.output_name,
                            "Only this named output, to DIR/named-outputs/NAME")
                ->type_name(value::text);
            verb.add_option("--path", o.path,
                            "Only this file, or the files below this folder, as the run stores "
                            "them (outputs/model.pkl, logs, named-outputs/NAME)")
                ->type_name("PATH");
            verb.add_flag("--all", o.all, "The artifacts and every named output");
            verb.add_flag("--best", o.best,
                          "RUN is a sweep: download its best trial (the Completed one with the "
                          "best primary metric)");
            verb.add_flag("--overwrite", o.overwrite, "Replace existing files that differ");
        },
        download);
}

}  // namespace ferry::cli
