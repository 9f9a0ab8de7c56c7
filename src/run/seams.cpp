#include "ferry/run/seams.hpp"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "ferry/run/lost.hpp"
#include "ferry/run/process.hpp"
#include "ferry/util/cgroup.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

namespace {

sigset_t supervisor_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (const int signal : k_supervisor_signals) {
        sigaddset(&signals, signal);
    }
    return signals;
}

}  // namespace

Host Host::of_process(const Environment& environment) {
    Host host;
    host.environment = environment.variables();
    host.euid = ::geteuid();
    host.egid = ::getegid();
    host.pid = ::getpid();
    host.machine = machine_id();
    if (auto mount = util::cgroup2_mount()) {
        host.cgroups = *mount / "ferry";
    }
    return host;
}

Stamp stamp_of(std::chrono::system_clock::time_point at) {
    return {util::format_utc(at),
            std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()};
}

SystemClock::SystemClock(Signals signals,
                         std::function<std::chrono::system_clock::time_point()> wall)
    : m_signals(signals), m_wall(std::move(wall)) {
    if (m_signals == Signals::take) {
        const sigset_t set = supervisor_signals();
        ::sigprocmask(SIG_BLOCK, &set, nullptr);
    }
}

SystemClock::~SystemClock() {
    if (m_signals == Signals::take) {
        const sigset_t set = supervisor_signals();
        ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    }
}

Clock::Instant SystemClock::now() const {
    return std::chrono::steady_clock::now();
}

Stamp SystemClock::stamp() const {
    return stamp_of(m_wall ? m_wall() : std::chrono::system_clock::now());
}

int SystemClock::wait(std::chrono::milliseconds timeout) {
    if (m_signals == Signals::leave) {
        std::this_thread::sleep_for(timeout);
        return 0;
    }
    const sigset_t set = supervisor_signals();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec wait{static_cast<time_t>(seconds.count()),
                        static_cast<long>((timeout - seconds).count() * 1'000'000)};
    siginfo_t info{};
    const int signal = ::sigtimedwait(&set, &info, &wait);
    return signal > 0 ? signal : 0;
}

void SystemLog::write(std::string_view line) {
    if (m_file == nullptr) {
        return;
    }
    const std::string text = fmt::format("{} {}\n", m_clock->stamp().text, line);
    std::fwrite(text.data(), 1, text.size(), m_file);
    std::fflush(m_file);
}

}  // namespace ferry::run
