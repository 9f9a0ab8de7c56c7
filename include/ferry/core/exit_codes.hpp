#pragma once

// Every exit status ferry can return, in one place (documented in man/ferry.1 and README.md).
namespace ferry {

enum class ExitCode : int {
    success = 0,
    failure = 1,           // any error that is not the user's input
    usage = 2,             // bad command line or bad spec
    timeout = 124,         // a waited-for run hit limits.timeout
    infrastructure = 125,  // ferry or the compute failed the run (build, snapshot, supervisor)
    not_executable = 126,  // the job's command exists but cannot be executed
    not_found = 127,       // the job's command was not found
    detached = 130,        // Ctrl-C while following a run; the run goes on
    canceled = 143,        // the waited-for run was canceled (128 + SIGTERM, as a shell reports it)
};

[[nodiscard]] constexpr int to_int(ExitCode code) {
    return static_cast<int>(code);
}

}  // namespace ferry
