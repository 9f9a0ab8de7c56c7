#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/util/cgroup.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::test {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at the end.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = (base != nullptr && *base != '\0') ? base : "/tmp";
        pattern += "/ferry-unit-XXXXXX";
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        if (::mkdtemp(buffer.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << pattern;
            return;
        }
        // Canonical, so paths compare equal to what the code under test derives.
        std::error_code ec;
        m_path = fs::canonical(buffer.data(), ec);
        if (ec) {
            m_path = buffer.data();
        }
    }
    ~TempDir() {
        if (m_path.empty()) {
            return;
        }
        // Blobs are read-only and tests may make directories read-only; open them up first.
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(
                 m_path, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
            }
        }
        fs::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const fs::path& path() const { return m_path; }
    [[nodiscard]] fs::path operator/(const fs::path& child) const { return m_path / child; }

private:
    fs::path m_path;
};

// Permission bits of a path (without the file type).
[[nodiscard]] inline mode_t mode_of(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return static_cast<mode_t>(-1);
    }
    return st.st_mode & 07777;
}

// Sets the process umask for the life of the object.
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : m_old(::umask(mask)) {}
    ~ScopedUmask() { ::umask(m_old); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t m_old;
};

// Writes a file (and its missing parents) for a test's setup; fails the test when it cannot.
inline void write_text(const fs::path& path, std::string_view text) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    auto written = util::write_file_atomic(path, text, 0644, util::Durable::no);
    ASSERT_TRUE(written) << written.error().message;
}

// The names in a directory, sorted.
[[nodiscard]] inline std::vector<std::string> entries_of(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        names.push_back(entry.path().filename().string());
    }
    std::ranges::sort(names);
    return names;
}

// A cgroup v2 directory of the test's own (CGROUP2/ferry-unit-PID-N), removed at the end;
// path() is empty where cgroup v2 is not mounted or not writable, and a test then skips.
class TempCgroup {
public:
    TempCgroup() {
        static int count = 0;
        const auto mount = util::cgroup2_mount();
        if (!mount) {
            m_why = "no cgroup v2 hierarchy is mounted";
            return;
        }
        const fs::path path =
            *mount / ("ferry-unit-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
        if (auto created = util::create_cgroup(path); !created) {
            m_why = created.error().message;
            return;
        }
        if (auto probed = util::probe_cgroup(path); !probed) {
            std::ignore = util::remove_cgroup(path, std::chrono::seconds(2));
            m_why = probed.error().message;
            return;
        }
        m_path = path;
    }
    ~TempCgroup() {
        if (m_path.empty()) {
            return;
        }
        // Runs' cgroups below it first: a cgroup with children cannot be removed.
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(m_path, ec)) {
            if (entry.is_directory(ec)) {
                std::ignore = util::remove_cgroup(entry.path(), std::chrono::seconds(2));
            }
        }
        std::ignore = util::remove_cgroup(m_path, std::chrono::seconds(2));
    }
    TempCgroup(const TempCgroup&) = delete;
    TempCgroup& operator=(const TempCgroup&) = delete;

    [[nodiscard]] const fs::path& path() const { return m_path; }
    [[nodiscard]] const std::string& why_not() const { return m_why; }

private:
    fs::path m_path;
    std::string m_why;
};

}  // namespace ferry::test
