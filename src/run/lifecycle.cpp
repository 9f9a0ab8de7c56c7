// The run's state machine: Queued (a slot), Preparing, the launcher's Starting and Running
// under one watch loop, Finalizing, and the end.
#include <signal.h>

#include "ferry/run/lost.hpp"
#include "ferry/run/pending_end.hpp"
#include "ferry/run/supervisor.hpp"
#include "finalize.hpp"

namespace ferry::run {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds k_heartbeat{1000};
constexpr milliseconds k_logs_sync{10'000};
constexpr milliseconds k_cancel_check{500};
constexpr milliseconds k_watch_tick{100};
constexpr milliseconds k_queue_tick{250};

bool terminating(int signal) {
    return signal == SIGTERM || signal == SIGINT || signal == SIGHUP;
}

}  // namespace

Supervisor::Supervisor(const SupervisorSeams& seams, RunRecord run, Plan& plan, Launcher& launcher,
                       Preparation& preparation)
    : m_workspace(seams.workspace),
      m_seams(seams.seams),
      m_run(std::move(run)),
      m_plan(plan),
      m_launcher(launcher),
      m_preparation(preparation) {}

bool Supervisor::run() {
    auto& log = m_seams.log;
    log.note("supervisor {} for run {} (workspace {})", m_seams.host.pid, m_run.name,
             m_workspace.name());
    for (const auto& text : m_plan.notes) {
        log.note("{}", text);
    }
    if (!reserve_pending_end(m_run.directory)) {
        log.note("cannot reserve {}: an end that cannot be recorded would be lost",
                 pending_end_path(m_run.directory).string());
    }
    if (auto recorded = set_supervisor(m_workspace.db(), m_run.name, m_seams.host.pid,
                                       m_seams.host.machine, m_seams.clock.stamp());
        !recorded) {
        // Whoever ends the run as lost ends it for this reason instead.
        const std::string error =
            fmt::format("the supervisor could not record itself: {}", recorded.error().message);
        log.note("{}", error);
        std::ignore = keep_pending_end(m_run.directory, Ending::infrastructure(error));
        return false;
    }
    end(carry_out());
    return true;
}

Ending Supervisor::carry_out() {
    if (!take_slot()) {
        return Ending::canceled("canceled before it started");
    }
    auto prepared = prepare();
    if (!prepared) {
        return prepared.error();
    }
    if (auto started = launch(*prepared); !started) {
        return started.error();
    }
    return watch();
}

bool Supervisor::take_slot() {
    if (m_launcher.traits().parent) {
        // Its children take the compute's slots; a parent that held one could starve them.
        std::ignore = transition(m_workspace.db(), m_run.name, {Status::not_started},
                                 Status::preparing, m_seams.clock.stamp());
        return !cancel_requested();
    }
    if (m_launcher.traits().queues_jobs) {
        // Its scheduler queues the job once it is prepared; ferry keeps no slots of its own.
        std::ignore = begin_preparing(m_workspace.db(), m_run.name, m_seams.clock.stamp());
        return !cancel_requested();
    }
    if (!wait_for_slot()) {
        m_seams.log.note("{} while queued",
                         ended_elsewhere() ? "ended by another process" : "canceled");
        return false;
    }
    return true;
}

bool Supervisor::wait_for_slot() {
    auto& db = m_workspace.db();
    if (auto queued = transition(db, m_run.name, {Status::not_started}, Status::queued,
                                 m_seams.clock.stamp());
        !queued) {
        m_seams.log.note("cannot record Queued: {}", queued.error().message);
    }
    std::int64_t announced = 0;
    auto last_reap = Clock::Instant{};
    for (;;) {
        if (cancel_requested() || ended_elsewhere()) {
            return false;
        }
        // Read each time: `compute update` changes it for the runs already queued.
        auto compute = find_compute(db, m_run.compute);
        const std::int64_t slots =
            compute && *compute ? std::max<std::int64_t>(1, (*compute)->max_concurrent_runs) : 1;
        auto claimed = claim_slot(db, m_run.name, slots, m_seams.clock.stamp());
        if (claimed && *claimed) {
            m_seams.log.note("slot taken on compute '{}' ({} at once)", m_run.compute, slots);
            return true;
        }
        if (!claimed) {
            m_seams.log.note("cannot take a slot: {}", claimed.error().message);
        } else if (announced != slots) {
            m_seams.log.note("queued: compute '{}' runs {} at once", m_run.compute, slots);
            announced = slots;
        }
        beat();
        if (m_seams.clock.now() - last_reap > milliseconds(1000)) {
            // A run whose supervisor died must not hold its slot for ever.
            last_reap = m_seams.clock.now();
            std::ignore = reap_lost_runs(m_workspace, m_seams);
        }
        if (terminating(m_seams.clock.wait(k_queue_tick))) {
            std::ignore =
                request_cancel(db, m_run.name, k_default_grace_seconds, m_seams.clock.stamp());
        }
    }
}

std::expected<Prepared, Ending> Supervisor::prepare() {
    bool canceled = false;
    auto keep_going = [&] {
        beat();
        if (m_seams.clock.now() - m_last_check >= k_cancel_check) {
            m_last_check = m_seams.clock.now();
            canceled = canceled || cancel_requested();
        }
        return !canceled;
    };
    auto prepared = m_preparation.prepare(keep_going);
    if (!prepared) {
        m_seams.log.note("{}", prepared.error().message);
        if (prepared.error().code == ExitCode::canceled) {
            return std::unexpected(Ending::canceled("canceled before it started"));
        }
        return std::unexpected(Ending::infrastructure(prepared.error().message));
    }
    if (cancel_requested()) {
        return std::unexpected(Ending::canceled("canceled before it started"));
    }
    return std::move(*prepared);
}

std::expected<void, Ending> Supervisor::launch(const Prepared& prepared) {
    const LaunchTarget target{.run = m_run.name,
                              .run_directory = m_run.directory,
                              .workspace = m_workspace.name(),
                              .workspace_root = m_workspace.root(),
                              .plan = m_plan,
                              .environment_location = prepared.environment_location,
                              .engine = prepared.engine};
    if (auto started = m_launcher.start(target, *this); !started) {
        m_seams.log.note("{}", started.error().message);
        return std::unexpected(Ending::infrastructure(started.error().message));
    }
    return {};
}

Ending Supervisor::watch() {
    EndReason stop = EndReason::none;
    std::string why;
    auto last_sync = m_seams.clock.now();
    for (;;) {
        const int signal = m_seams.clock.wait(k_watch_tick);
        const JobPoll poll = m_launcher.poll();
        if (poll.state == JobPoll::State::ended) {
            break;
        }
        if (poll.state == JobPoll::State::failing) {
            stop = EndReason::job;
            why = poll.why;
            break;
        }
        if (cancel_asked(signal)) {
            stop = EndReason::canceled;
            why = m_run.cancel_reason.empty() ? "cancel requested" : m_run.cancel_reason;
            break;
        }
        const auto now = m_seams.clock.now();
        if (m_deadline && now >= *m_deadline) {
            stop = EndReason::timeout;
            why = fmt::format("limits.timeout of {} s reached", m_plan.timeout.value_or(0));
            break;
        }
        if (m_deadline && now - last_sync >= k_logs_sync) {
            last_sync = now;
            sync_logs(m_workspace, m_run, m_seams);
        }
    }
    if (stop != EndReason::none) {
        m_launcher.stop(stop == EndReason::job ? k_default_grace_seconds : m_grace, why);
    }
    Ending ending = m_launcher.finish(stop);
    if (stop == EndReason::canceled) {
        return Ending::canceled(
            m_run.cancel_reason.empty() ? "canceled on request" : m_run.cancel_reason,
            ending.exit_code);
    }
    if (stop == EndReason::timeout) {
        return Ending::timed_out(m_plan.timeout.value_or(0), ending.exit_code);
    }
    return ending;
}

void Supervisor::end(Ending ending) {
    auto& db = m_workspace.db();
    m_launcher.clean_up();
    if (ending.status != Status::canceled) {
        std::ignore =
            transition(db, m_run.name, {Status::preparing, Status::starting, Status::running},
                       Status::finalizing, m_seams.clock.stamp());
    }
    // Until the end names the artifacts and outputs: gc must not collect them meanwhile.
    auto lease = m_workspace.blobs().lease(store::LeaseKind::shared);
    collect_files(m_workspace, m_run, ending, m_seams);
    m_seams.log.note("{}{}", status_name(ending.status),
                     ending.error.empty() ? "" : ": " + ending.error);
    if (ending.status == Status::completed) {
        // Before the end is seen, so that waiters find them.
        register_outputs(m_workspace, m_run, m_plan, ending.artifacts, m_seams);
    }
    if (auto ended = finish(db, m_run.name, ending, m_seams.clock.stamp()); !ended) {
        m_seams.log.note("cannot record the end: {}", ended.error().message);
        ending.error += fmt::format("{}the end was recorded late: {}",
                                    ending.error.empty() ? "" : "; ", ended.error().message);
        if (!keep_pending_end(m_run.directory, ending)) {
            m_seams.log.note("cannot keep the end in {} either",
                             pending_end_path(m_run.directory).string());
        }
    } else if (!*ended) {
        m_seams.log.note("the run had already ended; its end stays as it was");
    }
    // The next queued run of this compute need not wait for its next poll.
    if (auto next = next_queued_supervisor(db, m_run.compute); next && *next) {
        ::kill(static_cast<pid_t>(**next), SIGUSR2);
    }
    // Nor a sweep whose trial this was: it starts the next one at once.
    if (!m_run.parent.empty()) {
        if (auto parent = find_run(db, m_run.parent);
            parent && *parent && (*parent)->supervisor_pid &&
            supervisor_liveness(**parent, m_seams.host.machine, m_seams.clock.stamp().ms) ==
                Liveness::alive) {
            ::kill(static_cast<pid_t>(*(*parent)->supervisor_pid), SIGUSR2);
        }
    }
}

void Supervisor::beat() {
    if (m_seams.clock.now() - m_last_beat < k_heartbeat) {
        return;
    }
    m_last_beat = m_seams.clock.now();
    if (auto beaten = heartbeat(m_workspace.db(), m_run.name, m_seams.clock.stamp()); !beaten) {
        m_seams.log.note("heartbeat not recorded: {}", beaten.error().message);
    }
}

bool Supervisor::cancel_requested() {
    auto found = find_run(m_workspace.db(), m_run.name);
    if (!found || !*found || !(*found)->cancel_grace) {
        return false;
    }
    m_run.cancel_grace = (*found)->cancel_grace;
    m_run.cancel_reason = (*found)->cancel_reason;
    return true;
}

bool Supervisor::ended_elsewhere() {
    auto status = find_status(m_workspace.db(), m_run.name);
    return status && (!*status || is_terminal(**status));
}

bool Supervisor::cancel_asked(int signal) {
    if (terminating(signal)) {
        std::ignore = request_cancel(m_workspace.db(), m_run.name, k_default_grace_seconds,
                                     m_seams.clock.stamp());
        m_seams.log.note("signal {} received: canceling the run", signal);
    }
    beat();
    const auto now = m_seams.clock.now();
    if (!terminating(signal) && signal != SIGUSR1 && now - m_last_check < k_cancel_check) {
        return false;
    }
    m_last_check = now;
    if (!cancel_requested()) {
        return false;
    }
    m_grace = m_run.cancel_grace.value_or(k_default_grace_seconds);
    return true;
}

void Supervisor::entered(JobPhase phase, const std::string& detail) {
    auto& db = m_workspace.db();
    const Stamp now = m_seams.clock.stamp();
    switch (phase) {
        case JobPhase::queued:
            std::ignore =
                transition(db, m_run.name, {Status::preparing}, Status::queued, now, detail);
            return;
        case JobPhase::starting:
            std::ignore = transition(db, m_run.name, {Status::preparing, Status::queued},
                                     Status::starting, now, detail);
            return;
        case JobPhase::running:
            if (!m_deadline) {
                // limits.timeout counts from now.
                m_deadline = m_plan.timeout
                                 ? m_seams.clock.now() + std::chrono::seconds(*m_plan.timeout)
                                 : Clock::Instant::max();
            }
            std::ignore = transition(db, m_run.name, {Status::preparing, Status::queued},
                                     Status::starting, now, detail);
            std::ignore =
                transition(db, m_run.name, {Status::starting}, Status::running, now, detail);
            return;
    }
}

void Supervisor::scheduler(const Json& record) {
    std::ignore = set_scheduler(m_workspace.db(), m_run.name, record);
}

}  // namespace ferry::run
