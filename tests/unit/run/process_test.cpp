#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/core/context.hpp"
#include "ferry/run/process.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

bool contains(const std::vector<pid_t>& pids, pid_t pid) {
    return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

// Waits (up to 2 s) until `ready` holds.
template <typename Ready>
bool eventually(Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return ready();
}

// Kills and reaps a child the test started, whatever it does.
class Child {
public:
    explicit Child(pid_t pid) : m_pid(pid) {}
    ~Child() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    [[nodiscard]] pid_t pid() const { return m_pid; }
    // The wait status; the child is gone afterwards.
    int wait() {
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
        return status;
    }
    // Reaps the child if it has ended; true then.
    bool try_reap() {
        if (m_pid <= 0) {
            return true;
        }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_status = status;
            m_pid = -1;
            return true;
        }
        return false;
    }
    [[nodiscard]] int status() const { return m_status; }

private:
    pid_t m_pid;
    int m_status = 0;
};

// A child that runs `body` and then _exits.
template <typename Body>
pid_t fork_child(Body body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        body();
        ::_exit(0);
    }
    return pid;
}

TEST(RunProcess, BootIdIsAUuid) {
    const std::string id = boot_id();
    EXPECT_EQ(id.size(), 36U) << id;
    EXPECT_EQ(id, boot_id());
    EXPECT_EQ(std::count(id.begin(), id.end(), '-'), 4);
}

TEST(RunProcess, AliveOfItselfAndNotOfAReapedChild) {
    EXPECT_TRUE(process_alive(::getpid()));
    EXPECT_FALSE(process_alive(0));
    EXPECT_FALSE(process_alive(-1));
    Child child(fork_child([] {}));
    ASSERT_GT(child.pid(), 0);
    const pid_t pid = child.pid();
    child.wait();
    EXPECT_FALSE(process_alive(pid));
}

TEST(RunProcess, AZombieIsNotAlive) {
    Child child(fork_child([] {}));
    ASSERT_GT(child.pid(), 0);
    // Not reaped yet: a zombie once it has exited.
    ASSERT_TRUE(eventually([&] { return !process_alive(child.pid()); }));
    EXPECT_EQ(::kill(child.pid(), 0), 0);  // the pid still exists
}

TEST(RunProcess, CommandLineOfItself) {
    const auto words = command_line(::getpid());
    ASSERT_FALSE(words.empty());
    auto exe = own_executable();
    ASSERT_TRUE(exe) << exe.error().message;
    EXPECT_EQ(fs::path(words[0]).filename(), exe->filename());
    EXPECT_TRUE(command_line(-5).empty());
}

TEST(RunProcess, DescendantsIncludeGrandchildren) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    Child child(fork_child([&] {
        ::close(ready[0]);
        const pid_t grandchild = ::fork();
        if (grandchild == 0) {
            ::close(ready[1]);
            ::pause();
            ::_exit(0);
        }
        std::ignore = ::write(ready[1], &grandchild, sizeof grandchild);
        ::close(ready[1]);
        ::pause();
        ::kill(grandchild, SIGKILL);
    }));
    ASSERT_GT(child.pid(), 0);
    ::close(ready[1]);
    pid_t grandchild = 0;
    ASSERT_EQ(::read(ready[0], &grandchild, sizeof grandchild),
              static_cast<ssize_t>(sizeof grandchild));
    ::close(ready[0]);

    const auto found = descendants(child.pid());
    EXPECT_EQ(found, (std::vector<pid_t>{grandchild}));
    const auto mine = descendants(::getpid());
    EXPECT_TRUE(contains(mine, child.pid()));
    EXPECT_TRUE(contains(mine, grandchild));
    EXPECT_FALSE(contains(mine, ::getpid()));
    // Children before their children.
    EXPECT_LT(std::find(mine.begin(), mine.end(), child.pid()) - mine.begin(),
              std::find(mine.begin(), mine.end(), grandchild) - mine.begin());

    ::kill(grandchild, SIGKILL);  // reaped by the child or, once it is gone, by init
    ::kill(child.pid(), SIGKILL);
    child.wait();
    EXPECT_TRUE(eventually([&] { return !process_alive(grandchild); }));
}

TEST(RunProcess, TerminateAllKillsAChildThatIgnoresSigterm) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    Child child(fork_child([&] {
        ::signal(SIGTERM, SIG_IGN);
        ::close(ready[0]);
        ::close(ready[1]);  // tells the parent SIGTERM is ignored now
        for (;;) {
            ::pause();
        }
    }));
    ASSERT_GT(child.pid(), 0);
    ::close(ready[1]);
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 0);
    ::close(ready[0]);
    const pid_t pid = child.pid();

    const auto started = std::chrono::steady_clock::now();
    const bool killed = terminate_all(
        [&] { return process_alive(pid) ? std::vector<pid_t>{pid} : std::vector<pid_t>{}; }, 200ms,
        [&] { child.try_reap(); });
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(killed);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 1500ms);
    ASSERT_TRUE(child.try_reap());
    EXPECT_TRUE(WIFSIGNALED(child.status()));
    EXPECT_EQ(WTERMSIG(child.status()), SIGKILL);
}

TEST(RunProcess, TerminateAllWithoutKillForAChildThatExitsOnSigterm) {
    Child child(fork_child([] {
        for (;;) {
            ::pause();
        }
    }));
    ASSERT_GT(child.pid(), 0);
    const pid_t pid = child.pid();
    const auto started = std::chrono::steady_clock::now();
    const bool killed = terminate_all(
        [&] { return process_alive(pid) ? std::vector<pid_t>{pid} : std::vector<pid_t>{}; }, 1500ms,
        [&] { child.try_reap(); });
    EXPECT_FALSE(killed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
    ASSERT_TRUE(eventually([&] { return child.try_reap(); }));
    EXPECT_TRUE(WIFSIGNALED(child.status()));
    EXPECT_EQ(WTERMSIG(child.status()), SIGTERM);
}

TEST(RunProcess, TerminateAllOfNothingReturnsAtOnce) {
    int asked = 0;
    EXPECT_FALSE(terminate_all(
        [&] {
            ++asked;
            return std::vector<pid_t>{};
        },
        1000ms, {}));
    EXPECT_EQ(asked, 1);
}

TEST(RunProcess, ProcessesWithEnvironmentFindsAChildByItsVariables) {
    const std::string unique =
        "FERRY_UNIT_MARK=" + std::to_string(::getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    const std::string other = "FERRY_UNIT_OTHER=x";
    Child child(fork_child([&] {
        char* const env[] = {const_cast<char*>(unique.c_str()), const_cast<char*>(other.c_str()),
                             nullptr};
        ::execle("/bin/sleep", "sleep", "5", static_cast<char*>(nullptr), env);
        ::_exit(127);
    }));
    ASSERT_GT(child.pid(), 0);
    // Found once exec has replaced the environment of the fork.
    EXPECT_TRUE(eventually(
        [&] { return processes_with_environment({unique}) == std::vector<pid_t>{child.pid()}; }));
    EXPECT_EQ(processes_with_environment({unique, other}), std::vector<pid_t>{child.pid()});
    EXPECT_TRUE(processes_with_environment({unique, "FERRY_UNIT_OTHER=y"}).empty());
    EXPECT_TRUE(processes_with_environment({}).empty());

    ::kill(child.pid(), SIGKILL);
    child.wait();
    EXPECT_TRUE(processes_with_environment({unique}).empty());
}

TEST(RunProcess, SpawnDetachedRunsTheProgramWithItsLog) {
    TempDir dir;
    const fs::path log = dir / "log.txt";
    const fs::path done = dir / "done";
    auto spawned = spawn_detached({"/bin/sh", "-c", "echo out; echo err >&2; : > " + done.string()},
                                  Environment::from_process().variables(), log);
    ASSERT_TRUE(spawned) << spawned.error().message;
    ASSERT_TRUE(eventually([&] { return fs::exists(done); }));
    ASSERT_TRUE(eventually([&] {
        auto text = util::read_file(log);
        return text && *text == "out\nerr\n";
    }));
}

TEST(RunProcess, SpawnDetachedReturnsThePidOfTheRunningProgram) {
    TempDir dir;
    const fs::path done = dir / "done";
    // The shell writes its own pid: the grandchild's, which exec kept.
    auto spawned = spawn_detached(
        {"/bin/sh", "-c", "echo $$ > " + (dir / "pid").string() + "; : > " + done.string()}, {},
        dir / "log.txt");
    ASSERT_TRUE(spawned) << spawned.error().message;
    ASSERT_GT(*spawned, 0);
    EXPECT_NE(*spawned, ::getpid());
    ASSERT_TRUE(eventually([&] { return fs::exists(done); }));
    auto text = util::read_file(dir / "pid");
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, std::to_string(*spawned) + "\n");
}

TEST(RunProcess, ASupervisorSignalledBeforeItIsReadyIsNotKilledByIt) {
    TempDir dir;
    // As a trial's end wakes its sweep's supervisor (SIGUSR2) the moment its pid is recorded:
    // the program has not taken the signal yet, and its default action would end it.
    auto spawned = spawn_detached({"/bin/sleep", "30"}, {}, dir / "log.txt");
    ASSERT_TRUE(spawned) << spawned.error().message;
    const pid_t pid = *spawned;
    ASSERT_EQ(::kill(pid, SIGUSR2), 0);
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(process_alive(pid)) << "a signal sent before the supervisor was ready ended it";
    auto status = util::read_file("/proc/" + std::to_string(pid) + "/status");
    ASSERT_TRUE(status);
    EXPECT_NE(status->find("SigBlk:\t"), std::string::npos);
    ::kill(pid, SIGKILL);
    EXPECT_TRUE(eventually([&] { return !process_alive(pid); }));
}

TEST(RunProcess, SpawnDetachedDoesNotPassTheJobIdentityOn) {
    TempDir dir;
    const fs::path log = dir / "log.txt";
    const fs::path done = dir / "done";
    ASSERT_EQ(::setenv("FERRY_RUN_ID", "outer_run", 1), 0);
    ASSERT_EQ(::setenv("FERRY_OUTPUTS_DIR", "/ws/runs/outer_run/wd/outputs", 1), 0);
    ASSERT_EQ(::setenv("FERRY_UNIT_KEPT", "yes", 1), 0);
    auto spawned = spawn_detached({"/bin/sh", "-c",
                                   "echo \"id=${FERRY_RUN_ID-unset} out=${FERRY_OUTPUTS_DIR-unset} "
                                   "kept=${FERRY_UNIT_KEPT-unset}\"; : > " +
                                       done.string()},
                                  Environment::from_process().variables(), log);
    ::unsetenv("FERRY_RUN_ID");
    ::unsetenv("FERRY_OUTPUTS_DIR");
    ::unsetenv("FERRY_UNIT_KEPT");
    ASSERT_TRUE(spawned) << spawned.error().message;
    ASSERT_TRUE(eventually([&] { return fs::exists(done); }));
    auto text = util::read_file(log);
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "id=unset out=unset kept=yes\n");
}

TEST(RunProcess, SpawnDetachedOfAMissingProgramSaysWhy) {
    TempDir dir;
    auto spawned = spawn_detached({"/nonexistent/program"}, {}, dir / "log.txt");
    ASSERT_FALSE(spawned);
    EXPECT_EQ(spawned.error().message,
              "cannot start the supervisor /nonexistent/program: No such file or directory");
}

}  // namespace
}  // namespace ferry::run
