#include "ferry/util/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "ferry/util/fd.hpp"
#include "ferry/util/spawn.hpp"
#include "test_support.hpp"

namespace ferry::util {
namespace {

using ferry::test::TempCgroup;
using ferry::test::TempDir;

template <typename Ready>
bool eventually(Ready ready) {
    for (int i = 0; i < 200; ++i) {
        if (ready()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ready();
}

TEST(Cgroup2Mount, FoundInTheMountTable) {
    EXPECT_EQ(cgroup2_mount("tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
                            "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n"
                            "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"),
              fs::path("/sys/fs/cgroup/unified"));
    EXPECT_EQ(cgroup2_mount("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n"),
              fs::path("/sys/fs/cgroup"));
    // A space in the mount point is written as \040.
    EXPECT_EQ(cgroup2_mount("none /mnt/my\\040cgroups cgroup2 rw 0 0\n"),
              fs::path("/mnt/my cgroups"));
}

TEST(Cgroup2Mount, NoneWithoutCgroup2) {
    EXPECT_EQ(cgroup2_mount(""), std::nullopt);
    EXPECT_EQ(cgroup2_mount("cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n"), std::nullopt);
}

// A child that starts a daemon of its own (a new session, no environment), then waits.
pid_t start_family() {
    const pid_t child = ::fork();
    if (child == 0) {
        if (::fork() == 0) {
            ::setsid();
            char* const none[] = {nullptr};
            ::execle("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr), none);
            ::_exit(127);
        }
        ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return child;
}

TEST(Cgroup, CreateAddListKillRemove) {
    TempCgroup parent;
    if (parent.path().empty()) {
        GTEST_SKIP() << "cgroup v2 is not writable here: " << parent.why_not();
    }
    const fs::path cgroup = parent.path() / "run";
    ASSERT_TRUE(create_cgroup(cgroup));
    ASSERT_TRUE(create_cgroup(cgroup));  // again: fine
    EXPECT_TRUE(cgroup_processes(cgroup).empty());

    // Stopped until it is in the cgroup, so that its daemon is born there.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::raise(SIGSTOP);
        ::_exit(start_family() > 0 ? 0 : 1);
    }
    ASSERT_TRUE(eventually([&] {
        int status = 0;
        return ::waitpid(child, &status, WUNTRACED | WNOHANG) == child && WIFSTOPPED(status);
    }));
    ASSERT_TRUE(add_to_cgroup(cgroup, child));
    ::kill(child, SIGCONT);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    // Its child and the daemon that left its session and environment are both still there.
    ASSERT_TRUE(eventually([&] { return cgroup_processes(cgroup).size() == 2; }));

    // Only death takes a process out of it (zombies are not listed).
    ASSERT_TRUE(kill_cgroup(cgroup));
    EXPECT_TRUE(eventually([&] { return cgroup_processes(cgroup).empty(); }));
    ASSERT_TRUE(remove_cgroup(cgroup, std::chrono::seconds(2)));
    EXPECT_FALSE(fs::exists(cgroup));
    EXPECT_TRUE(remove_cgroup(cgroup, std::chrono::seconds(2)));  // gone already: fine
}

TEST(Cgroup, RemoveKillsWhatIsLeft) {
    TempCgroup parent;
    if (parent.path().empty()) {
        GTEST_SKIP() << "cgroup v2 is not writable here: " << parent.why_not();
    }
    const fs::path cgroup = parent.path() / "run";
    ASSERT_TRUE(create_cgroup(cgroup));
    Fd procs(::open((cgroup / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(procs);
    // A spawned program joins the cgroup before it runs.
    auto pid = spawn({.program = "/bin/sleep",
                      .argv = {"sleep", "30"},
                      .environment = {},
                      .cgroup_procs_fd = procs.get()});
    ASSERT_TRUE(pid) << pid.error().message;
    EXPECT_EQ(cgroup_processes(cgroup), std::vector<pid_t>{*pid});

    ASSERT_TRUE(remove_cgroup(cgroup, std::chrono::seconds(2)));
    EXPECT_FALSE(fs::exists(cgroup));
    int status = 0;
    ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(Cgroup, ProbeAndJoinFailNamingTheCgroup) {
    TempDir dir;
    // A directory that is no cgroup: it has no cgroup.procs to write.
    auto probed = probe_cgroup(dir.path());
    ASSERT_FALSE(probed);
    EXPECT_EQ(probed.error().message, "cannot open " + (dir.path() / "cgroup.procs").string() +
                                          ": No such file or directory");
}

}  // namespace
}  // namespace ferry::util
