// `ferry run tensorboard RUN...`: TensorBoard on the runs' ./logs folders, each run under its
// name: a live run's as its job writes them, an ended run's as the run stored them.

#include <algorithm>
#include <cstdio>

#include "ferry/cli/command_tree.hpp"
#include "ferry/cli/tensorboard.hpp"
#include "ferry/run/download.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/util/fs.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

struct TensorBoardOptions {
    std::vector<std::string> runs;
    std::int64_t port = 6006;
    std::string host = "127.0.0.1";
};

// The folder TensorBoard reads for `run`: its job's ./logs while it runs (what the job
// writes, as it writes it); once ended, its stored logs written out under the workspace's
// cache (the run's record, whatever became of its working directory).
Result<fs::path> logs_of(Context& ctx, store::Workspace& workspace, const run::RunRecord& run) {
    if (!run::is_terminal(run.status)) {
        return run::working_directory(run.directory) / "logs";
    }
    const fs::path directory = workspace.root() / "cache" / "tensorboard" / run.name;
    TRY(util::create_directories(directory, 0755));
    TRY_ASSIGN(const auto stored, run::run_artifacts(workspace, run));
    const bool has_logs = std::any_of(stored.begin(), stored.end(), [](const auto& entry) {
        return entry.path.starts_with("logs/");
    });
    if (!has_logs) {
        ctx.warn(fmt::format("run {} stored no ./logs: TensorBoard shows nothing of it", run.name));
        return directory / "artifacts" / "logs";
    }
    TRY(run::download_run(
        workspace, run,
        {.directory = directory, .path = "logs", .overwrite = run::Overwrite::yes}));
    std::error_code ignored;  // its use, for gc (which removes one unused for days)
    fs::last_write_time(directory, fs::file_time_type::clock::now(), ignored);
    return directory / "artifacts" / "logs";
}

Result<void> tensorboard(Context& ctx, const TensorBoardOptions& options) {
    if (options.port < 1 || options.port > 65535) {
        return usage_error("--port {}: give a TCP port from 1 to 65535", options.port);
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    std::vector<run::RunRecord> runs;
    for (const auto& name : options.runs) {
        if (std::none_of(runs.begin(), runs.end(),
                         [&](const run::RunRecord& run) { return run.name == name; })) {
            TRY_ASSIGN(auto run, run::get_run(workspace.db(), name, workspace.name()));
            runs.push_back(std::move(run));
        }
    }
    const auto program = ctx.runner.find_program("tensorboard");
    if (!program) {
        return fail(
            "TensorBoard is not installed here (no 'tensorboard' on PATH): install it with "
            "'python3 -m pip install tensorboard' where a package index is reachable, or put "
            "its program on PATH");
    }
    std::vector<LogFolder> folders;
    for (const auto& run : runs) {
        TRY_ASSIGN(auto folder, logs_of(ctx, workspace, run));
        folders.push_back({run.name, std::move(folder), !run::is_terminal(run.status)});
    }
    TRY_ASSIGN(const auto spec, logdir_spec(folders));
    for (const auto& folder : folders) {
        ctx.err << fmt::format("{}: {}{}\n", folder.run, folder.path.string(),
                               folder.live ? " (live)" : "");
    }
    ctx.err << fmt::format("TensorBoard at http://{}:{}/ (Ctrl-C stops it)\n", options.host,
                           options.port)
            << std::flush;
    InterruptGuard guard;
    Command command{.argv = {program->string(), "--logdir_spec", spec, "--host", options.host,
                             "--port", std::to_string(options.port)}};
    TRY_ASSIGN(const int code, ctx.runner.run(command, fileno(stderr),
                                              [] { return !InterruptGuard::interrupted(); }));
    if (InterruptGuard::interrupted()) {
        ctx.err << "TensorBoard stopped\n";
        return {};
    }
    if (code != 0) {
        return fail("TensorBoard ended with exit code {}", code);
    }
    return {};
}

}  // namespace

Result<std::string> logdir_spec(const std::vector<LogFolder>& folders) {
    std::string spec;
    for (const auto& folder : folders) {
        // TensorBoard splits the list at ',' and each entry at its first ':'.
        if (folder.path.string().find(',') != std::string::npos) {
            return fail("TensorBoard cannot read {}: its --logdir_spec takes no ',' in a path",
                        folder.path.string());
        }
        spec += fmt::format("{}{}:{}", spec.empty() ? "" : ",", folder.run, folder.path.string());
    }
    return spec;
}

void add_run_tensorboard_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<TensorBoardOptions>(
        group, "tensorboard",
        "Start TensorBoard on runs' ./logs folders, each run under its name (live runs as they "
        "write)",
        [](CLI::App& verb, TensorBoardOptions& o) {
            verb.add_option("run,-n,--name", o.runs, "The runs' names")
                ->required()
                ->type_name(value::run);
            verb.add_option("--port", o.port, "The port TensorBoard listens on (default 6006)")
                ->type_name("PORT");
            verb.add_option("--host", o.host,
                            "The address TensorBoard listens on (default 127.0.0.1)")
                ->type_name("HOST");
        },
        tensorboard);
}

}  // namespace ferry::cli
