#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "ferry/run/launcher.hpp"
#include "ferry/run/prepare.hpp"
#include "ferry/run/seams.hpp"

// Fakes of the run layer's seams: a clock that moves only when waited on, a launcher and a
// preparation that do what a test scripts and record what they were asked.
namespace ferry::test {

// Starts at an hour past the steady epoch; a wait moves it by its timeout (or a hook says
// what happens in it).
class FakeClock final : public run::Clock {
public:
    [[nodiscard]] Instant now() const override { return m_now; }
    [[nodiscard]] run::Stamp stamp() const override {
        if (stamp_from) {
            return stamp_from();
        }
        const auto wall =
            std::chrono::system_clock::time_point(
                std::chrono::milliseconds(1'767'225'600'000)) +  // 2026-01-01T00:00:00Z
            std::chrono::duration_cast<std::chrono::system_clock::duration>(m_now - Instant{});
        return run::stamp_of(wall);
    }
    // Returns the signal `on_wait` gives for this wait (0: none), after the timeout passed.
    [[nodiscard]] int wait(std::chrono::milliseconds timeout) override {
        ++waits;
        const int signal = on_wait ? on_wait(waits) : 0;
        m_now += timeout;
        longest_wait = std::max(longest_wait, timeout);
        return signal;
    }
    void advance(std::chrono::milliseconds by) { m_now += by; }

    std::function<int(int)> on_wait;         // wait number -> signal
    std::function<run::Stamp()> stamp_from;  // the wall clock, when a test sets it
    int waits = 0;
    std::chrono::milliseconds longest_wait{0};

private:
    Instant m_now = Instant{} + std::chrono::hours(1);
};

// A launcher whose job ends, fails or runs on as the test says.
class FakeLauncher final : public run::Launcher {
public:
    [[nodiscard]] const run::LauncherTraits& traits() const override { return traits_value; }
    [[nodiscard]] Result<void> admit(const run::JobShape& /*shape*/) const override { return {}; }
    [[nodiscard]] std::optional<std::vector<std::string>> gpus() const override {
        return std::vector<std::string>{};
    }
    [[nodiscard]] Result<run::Json> describe(const run::LaunchTarget& /*target*/) override {
        return run::Json{{"launcher", nullptr}, {"ranks", nullptr}};
    }
    [[nodiscard]] Result<void> start(const run::LaunchTarget& target,
                                     run::JobEvents& events) override {
        started.push_back(target);
        m_events = &events;
        if (start_error) {
            return fail("{}", *start_error);
        }
        if (traits_value.queues_jobs) {
            events.entered(run::JobPhase::queued, "fake job 1");
        } else {
            events.entered(run::JobPhase::starting, "");
            events.entered(run::JobPhase::running, "pid 1");
        }
        return {};
    }
    [[nodiscard]] run::JobPoll poll() override {
        ++polls;
        return on_poll ? on_poll(polls, *m_events) : run::JobPoll{};
    }
    void stop(std::int64_t grace_seconds, const std::string& why) override {
        stops.emplace_back(grace_seconds, why);
        if (on_stop) {
            on_stop(*m_events);
        }
    }
    [[nodiscard]] run::Ending finish(run::EndReason stopped) override {
        finished.push_back(stopped);
        return run::Ending::of_job(exit_code, fmt::format("exit code {}", exit_code));
    }
    void clean_up() override { ++clean_ups; }
    void abandon(const run::RunRecord& run) override { abandoned.push_back(run.name); }
    [[nodiscard]] run::Json compute_fields() const override { return run::Json::object(); }
    [[nodiscard]] std::optional<run::Json> compute_nodes() const override { return std::nullopt; }

    run::LauncherTraits traits_value{.label = "a fake compute"};
    std::optional<std::string> start_error;
    // Poll number -> what the job does; none: it goes on for ever.
    std::function<run::JobPoll(int, run::JobEvents&)> on_poll;
    std::function<void(run::JobEvents&)> on_stop;
    int exit_code = 0;

    std::vector<run::LaunchTarget> started;
    int polls = 0;
    std::vector<std::pair<std::int64_t, std::string>> stops;
    std::vector<run::EndReason> finished;
    int clean_ups = 0;
    std::vector<std::string> abandoned;

private:
    run::JobEvents* m_events = nullptr;
};

// A preparation that runs the test's hook (which may ask keep_going) and succeeds unless it
// says otherwise.
class FakePreparation final : public run::Preparation {
public:
    [[nodiscard]] Result<run::Prepared> prepare(const KeepGoing& keep_going) override {
        ++prepared;
        if (hook) {
            TRY(hook(keep_going));
        }
        return run::Prepared{.environment_location = "", .engine = ""};
    }

    std::function<Result<void>(const KeepGoing&)> hook;
    int prepared = 0;
};

}  // namespace ferry::test
