#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"

// The one way ferry starts a program: everything prepared before fork, only
// async-signal-safe calls in the child, and the step that failed (with errno) reported to
// the parent through a close-on-exec pipe, so that a program that cannot start is an error
// and not an exit code.
namespace ferry::util {

namespace fs = std::filesystem;

// Where the child lives once started.
enum class Session {
    group,     // its own process group (a stop reaches everything it starts)
    detached,  // a grandchild in its own session: it outlives the caller, no terminal reaches it
};

struct Spawn {
    fs::path program;                      // the file to execute (a full path)
    std::vector<std::string> argv;         // argv[0] included
    std::vector<std::string> environment;  // exactly these KEY=VALUE entries
    fs::path directory;                    // empty: the caller's
    // Descriptors the child gets as 0, 1 and 2; -1: /dev/null.
    int stdin_fd = -1;
    int stdout_fd = -1;
    int stderr_fd = -1;
    Session session = Session::group;
    bool die_with_parent = false;  // SIGTERM when the caller dies (PR_SET_PDEATHSIG)
    // (source, target) bound read-only over the target in a private mount namespace first
    // (root only).
    std::vector<std::pair<std::string, std::string>> read_only_mounts;
    // A cgroup's cgroup.procs, open for writing: the child joins that cgroup first of all, so
    // nothing it starts can be outside it; -1: none.
    int cgroup_procs_fd = -1;
    // Signals the program starts with blocked, to take them once it is ready (a supervisor
    // waits for them): one sent before then is pending, not fatal by its default action.
    std::vector<int> blocked_signals;
};

// Starts the program and returns its pid once it has executed (a detached one's is the
// grandchild's, already running the program), or the step that failed and why.
[[nodiscard]] Result<pid_t> spawn(const Spawn& spawn);

}  // namespace ferry::util
