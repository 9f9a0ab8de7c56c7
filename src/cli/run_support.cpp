#include "run_support.hpp"

#include <signal.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>

#include "ferry/run/describe.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/process.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/util/time.hpp"

namespace ferry::cli {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int /*signal*/) {
    g_interrupted = 1;
}

}  // namespace

run::Stamp stamp(const Context& ctx) {
    const auto now = ctx.now();
    return {util::format_utc(now),
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()};
}

CommandSeams::CommandSeams(Context& ctx)
    : m_host(run::Host::of_process(ctx.env)),
      m_clock(run::SystemClock::Signals::leave, ctx.now),
      m_log(nullptr, m_clock),
      m_seams{ctx.runner, m_host, m_clock, m_log} {}

Result<store::Workspace> open_workspace(Context& ctx) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    return store::open_chosen_workspace(ctx, registry);
}

Result<void> end_lost_runs(Context& ctx, store::Workspace& workspace) {
    const CommandSeams seams(ctx);
    TRY_ASSIGN(const int reaped, run::reap_lost_runs(workspace, seams.get()));
    if (reaped > 0) {
        ctx.warn(fmt::format("{} run{} marked Failed: {} supervisor was gone", reaped,
                             reaped == 1 ? "" : "s", reaped == 1 ? "its" : "their"));
    }
    return {};
}

InterruptGuard::InterruptGuard() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
}

InterruptGuard::~InterruptGuard() {
    ::signal(SIGINT, SIG_DFL);
}

bool InterruptGuard::interrupted() {
    return g_interrupted != 0;
}

Error exit_status(int code) {
    return Error{static_cast<ExitCode>(code), ""};
}

Result<std::vector<run::LogSource>> chosen_logs(store::Workspace& workspace,
                                                const std::string& name, const std::string& rank) {
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), name, workspace.name()));
    const auto every = run::log_sources(run, std::nullopt);
    // The ranks' logs; an environment's build log (first, when there is one) is no rank.
    const auto ranks =
        static_cast<std::size_t>(std::ranges::count_if(every, [](const run::LogSource& source) {
            return source.path.string().starts_with("user_logs/");
        }));
    const bool distributed = ranks > 1 || every.back().path != "user_logs/std_log.txt";
    if (rank.empty()) {
        return distributed ? run::log_sources(run, 0) : every;
    }
    if (!distributed) {
        return usage_error("run {} is one process: --rank is for distributed runs", name);
    }
    if (rank == "all") {
        return every;
    }
    std::int64_t number = -1;
    const auto [end, ec] = std::from_chars(rank.data(), rank.data() + rank.size(), number);
    if (ec != std::errc() || end != rank.data() + rank.size() || number < 0 ||
        number >= static_cast<std::int64_t>(ranks)) {
        return usage_error("--rank {}: run {} has ranks 0 to {} (or 'all')", rank, name, ranks - 1);
    }
    return run::log_sources(run, number);
}

Result<void> follow_run(Context& ctx, store::Workspace& workspace, const std::string& name,
                        bool stream, std::optional<std::size_t> tail, const std::string& rank) {
    std::vector<run::LogSource> logs;
    if (stream) {
        TRY_ASSIGN(auto chosen, chosen_logs(workspace, name, rank));
        logs = std::move(chosen);
    }
    InterruptGuard guard;
    run::FollowOptions options;
    options.interrupted = &InterruptGuard::interrupted;
    const CommandSeams seams(ctx);
    options.seams = &seams.get();
    if (stream) {
        options.status_changed = [&ctx](run::Status status) {
            ctx.err << "status: " << run::status_name(status) << '\n' << std::flush;
        };
        ctx.err << "RunId: " << name << "\n\n";
        for (const auto& log : logs) {
            const std::string header = "Streaming " + log.path.string();
            ctx.err << header << '\n' << std::string(header.size(), '=') << '\n';
        }
        ctx.err << '\n' << std::flush;
    }
    TRY_ASSIGN(auto ended, stream ? run::stream_log(workspace, name, ctx.out, tail, options, logs)
                                  : run::wait_for_end(workspace, name, options));
    if (!ended) {
        ctx.out.flush();
        ctx.err << fmt::format(
            "\nferry: stopped following run {}; it goes on. Re-attach with 'ferry run stream "
            "{}'\n",
            name, name);
        return std::unexpected(exit_status(to_int(ExitCode::detached)));
    }
    const run::RunRecord& run = *ended;
    const int code = run.waited_exit_code();
    if (stream) {
        const auto duration = run::duration_ms(run, stamp(ctx).ms);
        ctx.err << "\nExecution Summary\n=================\nRunId: " << run.name
                << "\nStatus: " << run::status_name(run.status)
                << "\nDuration: " << (duration ? run::human_duration(*duration) : "-")
                << "\nExit code: " << (run.exit_code ? std::to_string(*run.exit_code) : "-")
                << '\n';
        if (!run.error.empty()) {
            ctx.err << "Error: " << run.error << '\n';
        }
        ctx.err.flush();
    } else if (run.status != run::Status::completed) {
        ctx.err << fmt::format("ferry: run {} {}{}\n", run.name, run::status_name(run.status),
                               run.error.empty() ? "" : ": " + run.error);
    }
    if (code != 0) {
        return std::unexpected(exit_status(code));
    }
    return {};
}

}  // namespace ferry::cli
