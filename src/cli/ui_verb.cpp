// `ferry ui`: the workspace's web pages, served until Ctrl-C; and what `run show --web` prints.
#include <chrono>
#include <thread>

#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/ui/server.hpp"
#include "ferry/util/sha256.hpp"
#include "run_support.hpp"
#include "ui_support.hpp"

namespace ferry::cli {

namespace {

// A cancel from a page is `run cancel`'s, with its default grace, and does not wait.
constexpr std::int64_t k_cancel_grace = 10;

struct UiOptions {
    std::string host = "127.0.0.1";
    int port = ui::k_default_port;
    bool open = false;
};

Result<void> serve(Context& ctx, const UiOptions& options) {
    if (options.port < 0 || options.port > 65535) {
        return usage_error("--port {}: give 1 to 65535, or 0 for any free port", options.port);
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    const fs::path root = workspace.root();
    const std::string name = workspace.name();
    std::string token;
    if (!ui::is_loopback(options.host)) {
        const auto secret = util::new_secret();
        if (!secret) {
            return fail("no randomness for the token that --host {} needs", options.host);
        }
        token = *secret;
    }
    ui::Actions actions{.runner = &ctx.runner,
                        .now_ms = [&ctx] { return stamp(ctx).ms; },
                        .reap_lost_runs = [&ctx](store::Workspace& served) -> Result<void> {
                            const CommandSeams seams(ctx);
                            TRY(run::reap_lost_runs(served, seams.get()));
                            return {};
                        },
                        .cancel =
                            [&ctx](store::Workspace& served, const run::RunRecord& run) {
                                return request_cancel(ctx, served, run, k_cancel_grace);
                            }};
    InterruptGuard guard(InterruptGuard::Also::terminate);
    TRY_ASSIGN(auto server,
               ui::Server::start(std::move(workspace),
                                 {.host = options.host, .port = options.port, .token = token},
                                 std::move(actions)));
    const ui::Served served{server->url(), token};
    TRY(ui::write_served(root, served));
    const std::string page = ui::page_url(served, "/runs");
    ctx.err << fmt::format("ferry ui: workspace '{}' at {} (Ctrl-C stops it)\n", name, page);
    // The URL is what a script reads: a record of it with -o json or yaml.
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        output::print_record(ctx, {{"workspace", name}, {"url", page}});
    } else {
        ctx.out << page << '\n';
    }
    ctx.out << std::flush;
    if (options.open) {
        open_in_browser(ctx, page);
    }
    while (!InterruptGuard::interrupted()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server->stop();
    ui::remove_served(root);
    ctx.err << "ferry ui: stopped\n";
    return {};
}

}  // namespace

void open_in_browser(Context& ctx, const std::string& url) {
    std::vector<std::string> argv;
    if (const auto browser = ctx.runner.variable("BROWSER"); browser && !browser->empty()) {
        argv = {*browser, url};
    } else if (const auto opener = ctx.runner.find_program("xdg-open")) {
        argv = {opener->string(), url};
    } else {
        ctx.warn(
            fmt::format("no browser to open here (no $BROWSER, no xdg-open): open {} "
                        "yourself",
                        url));
        return;
    }
    const auto opened =
        ctx.runner.run(Command{.argv = argv, .time_limit = std::chrono::seconds(10)},
                       fileno(stderr), [] { return true; });
    if (!opened || *opened != 0) {
        ctx.warn(fmt::format("{} could not open {}: open it yourself", argv.front(), url));
    }
}

Result<std::string> run_page_url(store::Workspace& workspace, const std::string& run) {
    const auto served = ui::served_ui(workspace.root());
    if (!served) {
        return fail(
            "no 'ferry ui' serves workspace '{}': start one with 'ferry ui' (then run "
            "{}'s page is its /runs/{})",
            workspace.name(), run, run);
    }
    return ui::page_url(*served, "/runs/" + run);
}

void add_ui_verb(CommandTree& tree) {
    tree.add_verb<UiOptions>(
        &tree.root(), "ui",
        "Serve the workspace as web pages: runs, live logs, metric charts, sweeps, pipelines "
        "(until Ctrl-C)",
        [](CLI::App& verb, UiOptions& o) {
            verb.add_option("--port", o.port,
                            fmt::format("The port to listen on (default {}; 0: any free one)",
                                        ui::k_default_port))
                ->type_name("PORT");
            verb.add_option("--host", o.host,
                            "The address to listen on (default 127.0.0.1; any other needs the "
                            "token printed in the URL)")
                ->type_name("HOST");
            verb.add_flag("--open", o.open, "Open the runs page in a browser ($BROWSER, xdg-open)");
        },
        serve);
}

}  // namespace ferry::cli
