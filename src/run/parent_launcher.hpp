#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "ferry/run/launcher.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/store/workspace.hpp"

// What the launchers of parent runs (sweeps, pipelines) share: their job is child runs, each
// with a supervisor of its own, so they hold no slot, prepare nothing, and stop by asking
// their children to cancel; their events go to the parent's user_logs/std_log.txt, which
// `run stream` shows.
namespace ferry::run {

// Nothing to prepare: the children prepare themselves.
class NoPreparation final : public Preparation {
public:
    [[nodiscard]] Result<Prepared> prepare(const KeepGoing& /*keep_going*/) override { return {}; }
};

class ParentLauncher : public Launcher {
public:
    ParentLauncher(store::Workspace& workspace, RunRecord parent, const Seams& seams,
                   std::string label);
    ~ParentLauncher() override;
    ParentLauncher(const ParentLauncher&) = delete;
    ParentLauncher& operator=(const ParentLauncher&) = delete;

    [[nodiscard]] const LauncherTraits& traits() const override { return m_traits; }
    [[nodiscard]] Result<void> admit(const JobShape& /*shape*/) const override { return {}; }
    [[nodiscard]] std::optional<std::vector<std::string>> gpus() const override {
        return std::nullopt;
    }
    [[nodiscard]] Result<Json> describe(const LaunchTarget& /*target*/) override {
        return Json::object();
    }
    // Every 20 ms (the watch loop ticks every 100 ms, and at once when a child's supervisor
    // signals its end): `step`; an error of it makes the parent fail saying it.
    [[nodiscard]] JobPoll poll() override;
    // Cancels the live children with the grace, saying why, and waits for their own
    // supervisors to end them.
    void stop(std::int64_t grace_seconds, const std::string& why) override;
    void clean_up() override {}
    void abandon(const RunRecord& /*run*/) override {}
    [[nodiscard]] Json compute_fields() const override { return Json::object(); }
    [[nodiscard]] std::optional<Json> compute_nodes() const override { return std::nullopt; }

protected:
    // One look at the children: start, stop or end what is due.
    [[nodiscard]] virtual Result<JobPoll> step() = 0;
    // Opens the events log; what `start` does first.
    void open_events(JobEvents& events);

    template <typename... Args>
    void event(fmt::format_string<Args...> format, Args&&... args) {
        write_event(fmt::format(format, std::forward<Args>(args)...));
    }
    void write_event(const std::string& line);

    store::Workspace& m_workspace;
    RunRecord m_parent;
    Seams m_seams;
    JobEvents* m_events = nullptr;
    bool m_stopping = false;
    std::string m_failure;  // why the parent fails, for its end

private:
    LauncherTraits m_traits;
    std::string m_label;
    std::FILE* m_events_file = nullptr;
    std::optional<SystemLog> m_event_log;
    Clock::Instant m_last_poll{};
};

}  // namespace ferry::run
