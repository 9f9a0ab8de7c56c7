// The part of a parent run's launcher that sweeps and pipelines share.
#include "parent_launcher.hpp"

#include "ferry/run/plan.hpp"

namespace ferry::run {

namespace {

// How long a stop waits for the children's own supervisors beyond their grace.
constexpr std::int64_t k_stop_margin_seconds = 60;
constexpr std::chrono::milliseconds k_poll_interval{20};

}  // namespace

ParentLauncher::ParentLauncher(store::Workspace& workspace, RunRecord parent, const Seams& seams,
                               std::string label)
    : m_workspace(workspace),
      m_parent(std::move(parent)),
      m_seams(seams),
      m_traits{.label = label, .multi_node = true, .parent = true},
      m_label(std::move(label)) {}

ParentLauncher::~ParentLauncher() {
    if (m_events_file != nullptr) {
        std::fclose(m_events_file);
    }
}

void ParentLauncher::open_events(JobEvents& events) {
    m_events = &events;
    m_events_file = std::fopen(std_log(m_parent.directory).c_str(), "ae");
    if (m_events_file != nullptr) {
        m_event_log.emplace(m_events_file, m_seams.clock);
    }
}

void ParentLauncher::write_event(const std::string& line) {
    m_seams.log.write(line);
    if (m_event_log) {
        m_event_log->write(line);
        std::fflush(m_events_file);
    }
}

JobPoll ParentLauncher::poll() {
    const auto now = m_seams.clock.now();
    if (now - m_last_poll < k_poll_interval) {
        return {};
    }
    m_last_poll = now;
    auto polled = step();
    if (!polled) {
        m_failure = polled.error().message;
        return {.state = JobPoll::State::failing, .why = m_failure};
    }
    return *polled;
}

void ParentLauncher::stop(std::int64_t grace_seconds, const std::string& why) {
    m_stopping = true;
    event("stopping: {}", why);
    const auto deadline = m_seams.clock.now() + std::chrono::seconds(grace_seconds) +
                          std::chrono::seconds(k_stop_margin_seconds);
    for (;;) {
        auto children = list_runs(m_workspace.db(), {.parent = m_parent.name});
        if (!children) {
            m_seams.log.note("cannot read the child runs: {}", children.error().message);
            return;
        }
        bool live = false;
        for (const RunRecord& child : children->first) {
            if (is_terminal(child.status) || child.trial.is_null()) {
                continue;
            }
            live = true;
            std::ignore = request_cancel(
                m_workspace.db(), child.name, grace_seconds, m_seams.clock.stamp(),
                fmt::format("canceled with its {} {} ({})", m_label.substr(m_label.find(' ') + 1),
                            m_parent.name, why));
        }
        if (!live || m_seams.clock.now() >= deadline) {
            return;
        }
        if (m_events != nullptr) {
            m_events->alive();
        }
        std::ignore = m_seams.clock.wait(std::chrono::milliseconds(200));
    }
}

}  // namespace ferry::run
