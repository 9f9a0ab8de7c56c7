#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/util/fd.hpp"

namespace ferry::env {
namespace {

using test::FakeRunner;
using test::TempDir;
using test::write_text;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";
constexpr std::string_view k_password = "s3cret-Pa55word";

std::vector<std::string> words(std::initializer_list<std::string> list) {
    return list;
}

Environment environment_of(Kind kind, Definition definition) {
    Environment environment;
    environment.kind = kind;
    environment.definition = std::move(definition);
    environment.hash = environment.definition.hash();
    return environment;
}

Environment venv_environment(std::string requirements = "requests==2.31\n") {
    Definition definition;
    definition.requirements = std::move(requirements);
    return environment_of(Kind::venv, std::move(definition));
}

Environment conda_environment() {
    Definition definition;
    definition.conda = "dependencies:\n  - python=3.11\n  - numpy\n  - scipy\n";
    return environment_of(Kind::conda, std::move(definition));
}

Environment image_environment(std::string image = "alpine:3.19") {
    Definition definition;
    definition.image = std::move(image);
    return environment_of(Kind::docker, std::move(definition));
}

std::string read(const fs::path& path) {
    auto text = util::read_file(path);
    return text ? *text : std::string("<unreadable>");
}

class EnvMaterialize : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("ws", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
        const fs::path logs = m_home / "run" / "system_logs";
        fs::create_directories(logs);
        m_log_path = logs / "environment_build.txt";
        m_log =
            util::Fd(::open(m_log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        ASSERT_TRUE(m_log);
        m_runner.programs = {"python3"};
        m_runner.bin = m_home / "bin";
        write_text(m_home / "bin" / "python3", "#!/bin/sh\n");
        set_python_mtime(1'700'000'000);
    }

    // The fake python3's modification time: what an upgrade changes.
    void set_python_mtime(std::int64_t seconds) {
        struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, (m_home / "bin" / "python3").c_str(), times, 0), 0);
    }

    // What the ready marker of a venv holds.
    [[nodiscard]] std::string venv_marker(const Environment& environment,
                                          std::int64_t mtime = 1'700'000'000) const {
        const fs::path python = m_home / "bin" / "python3";
        return fmt::format("{}\npython3 {} {}", environment.hash, mtime, python.string());
    }

    MaterializeContext context() {
        MaterializeContext context;
        context.workspace_root = root();
        context.blobs = &m_workspace->blobs();
        context.runner = &m_runner;
        context.log_fd = m_log.get();
        context.log_path = m_log_path;
        context.keep_going = [] { return true; };
        context.note = [this](const std::string& text) { m_notes.push_back(text); };
        return context;
    }

    Result<Materialized> make(const Environment& environment) {
        MaterializeContext made_with = context();
        return materialize(environment, made_with);
    }

    [[nodiscard]] fs::path root() const { return m_workspace->root(); }
    // A venv's directory also names the python3 it is made with.
    [[nodiscard]] fs::path prefix_of(const Environment& environment) const {
        return location_of(environment, root(),
                           environment.kind == Kind::venv ? venv_interpreter(m_runner) : "");
    }
    [[nodiscard]] fs::path context_dir_of(const Environment& environment) const {
        return root() / "environments" / (environment.hash.substr(0, 16) + ".context");
    }

    // An environment built from a context directory, stored as a snapshot of the workspace.
    Environment build_environment(const std::string& dockerfile_path = "Dockerfile") {
        write_text(m_home / "ctx" / dockerfile_path, "FROM alpine:3.19\nCOPY app.py /app.py\n");
        write_text(m_home / "ctx" / "app.py", "print('hello')\n");
        spec::EnvironmentSpec spec;
        spec.build = spec::EnvironmentSpec::Build{m_home / "ctx", dockerfile_path};
        auto environment = define(spec, "env.yml", &*m_workspace, k_now);
        EXPECT_TRUE(environment) << environment.error().message;
        return environment ? *environment : Environment{};
    }

    TempDir m_home;
    std::optional<store::Workspace> m_workspace;
    fs::path m_log_path;
    util::Fd m_log;
    FakeRunner m_runner;
    std::vector<std::string> m_notes;
};

// --- host ----------------------------------------------------------------------------------

TEST_F(EnvMaterialize, HostRunsNothing) {
    auto made = make(Environment{});
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->location, "host");
    EXPECT_EQ(made->cache, CacheOutcome::hit);
    EXPECT_TRUE(m_runner.commands.empty());
}

// --- venv ----------------------------------------------------------------------------------

TEST_F(EnvMaterialize, VenvIsBuiltOnceThenAHit) {
    const Environment environment = venv_environment();
    const fs::path dir = prefix_of(environment);
    std::string requirements_at_pip;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "python pip") {
            requirements_at_pip = read(command.argv.back());
        }
    };
    auto first = make(environment);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->cache, CacheOutcome::built);
    EXPECT_EQ(first->location, dir.string());
    ASSERT_EQ(m_runner.commands.size(), 2U);
    EXPECT_EQ(m_runner.commands[0].argv, words({"python3", "-m", "venv", dir.string()}));
    EXPECT_EQ(m_runner.commands[1].argv,
              words({(dir / "bin" / "python").string(), "-m", "pip", "install",
                     "--disable-pip-version-check", "--no-input", "-r",
                     (dir / "ferry-requirements.txt").string()}));
    EXPECT_EQ(requirements_at_pip, "requests==2.31\n");
    EXPECT_TRUE(fs::exists(dir / ".ferry-ready"));
    EXPECT_EQ(read(dir / ".ferry-ready"), venv_marker(environment));
    EXPECT_THAT(m_notes, ElementsAre("building " + dir.string()));
    EXPECT_THAT(read(m_log_path), HasSubstr("$ python3 -m venv " + dir.string() + "\n"));

    auto second = make(environment);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->cache, CacheOutcome::hit);
    EXPECT_EQ(second->location, dir.string());
    EXPECT_EQ(m_runner.commands.size(), 2U) << "a cache hit ran a command";
}

TEST_F(EnvMaterialize, VenvFromACondaFileInstallsItsPipList) {
    Definition definition;
    definition.conda = "dependencies:\n  - python=3.11\n  - pip\n  - pip:\n      - rich\n";
    const Environment environment = environment_of(Kind::venv, definition);
    std::string requirements_at_pip;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "python pip") {
            requirements_at_pip = read(command.argv.back());
        }
    };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(m_runner.with_key("python pip").size(), 1U);
    EXPECT_EQ(requirements_at_pip, "rich\n");
    EXPECT_THAT(m_notes,
                Contains("the conda file asks for python 3.11; a venv has the host's python3 "
                         "(python3)"));
}

TEST_F(EnvMaterialize, VenvIsMadeAgainWhenPython3Changes) {
    const Environment environment = venv_environment();
    ASSERT_TRUE(make(environment));
    set_python_mtime(1'800'000'000);
    m_runner.commands.clear();
    m_notes.clear();
    auto again = make(environment);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->cache, CacheOutcome::built);
    EXPECT_EQ(m_runner.with_key("python3 venv").size(), 1U);
    EXPECT_THAT(m_notes, Contains("the host's python3 changed since this venv was made"));
    EXPECT_EQ(read(prefix_of(environment) / ".ferry-ready"),
              venv_marker(environment, 1'800'000'000));
    auto hit = make(environment);
    ASSERT_TRUE(hit) << hit.error().message;
    EXPECT_EQ(hit->cache, CacheOutcome::hit);
}

TEST_F(EnvMaterialize, CondaPrefixMarkerDoesNotDependOnPython3) {
    const Environment environment = conda_environment();
    m_runner.programs = {"micromamba", "python3"};
    ASSERT_TRUE(make(environment));
    EXPECT_EQ(read(prefix_of(environment) / ".ferry-ready"), environment.hash + "\n");
    set_python_mtime(1'800'000'000);
    auto again = make(environment);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->cache, CacheOutcome::hit);
}

TEST_F(EnvMaterialize, VenvWithoutRequirementsHasNoPipStep) {
    for (const std::string requirements : {"", "\n  \n"}) {
        const Environment environment = venv_environment(requirements);
        m_runner.commands.clear();
        auto made = make(environment);
        ASSERT_TRUE(made) << made.error().message;
        EXPECT_EQ(made->cache, CacheOutcome::built);
        ASSERT_EQ(m_runner.commands.size(), 1U) << "requirements '" << requirements << "'";
        EXPECT_EQ(m_runner.commands[0].argv.at(0), "python3");
        EXPECT_TRUE(fs::exists(prefix_of(environment) / ".ferry-ready"));
    }
}

TEST_F(EnvMaterialize, VenvFailingPipRemovesTheDirectoryAndBuildsAgainNextTime) {
    const Environment environment = venv_environment("nosuchpkg\n");
    const fs::path dir = prefix_of(environment);
    m_runner.codes["python pip"] = 1;
    m_runner.outputs["python pip"] =
        "Collecting nosuchpkg\nERROR: No matching distribution found for nosuchpkg\n";
    auto failed = make(environment);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    EXPECT_THAT(failed.error().message,
                StartsWith("environment build failed (venv, pip install exited with 1)"));
    EXPECT_THAT(failed.error().message,
                HasSubstr("ERROR: No matching distribution found for nosuchpkg"));
    EXPECT_FALSE(fs::exists(dir)) << "a failed build left its directory";
    EXPECT_FALSE(fs::exists(dir / ".ferry-ready"));
    auto materialized = is_materialized(environment, root(), m_runner);
    ASSERT_TRUE(materialized);
    EXPECT_FALSE(*materialized);

    m_runner.codes.clear();
    m_runner.commands.clear();
    auto again = make(environment);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->cache, CacheOutcome::built);
    EXPECT_EQ(m_runner.commands.size(), 2U);
    EXPECT_TRUE(fs::exists(dir / ".ferry-ready"));
}

TEST_F(EnvMaterialize, VenvFailingVenvStepNamesIt) {
    const Environment environment = venv_environment();
    m_runner.codes["python3 venv"] = 2;
    auto failed = make(environment);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    EXPECT_THAT(failed.error().message,
                StartsWith("environment build failed (venv, python3 -m venv exited with 2)"));
    EXPECT_EQ(m_runner.commands.size(), 1U);
    EXPECT_FALSE(fs::exists(prefix_of(environment)));
}

// A failed build's error: the runtime, the step and its code, and the build's last line on
// the first line; then the last lines of the build log.
TEST_F(EnvMaterialize, FailedBuildMessageSaysTheStepAndTheLastLine) {
    const Environment environment = venv_environment("nosuchpkg\n");
    m_runner.codes["python pip"] = 1;
    m_runner.outputs["python pip"] = "ERROR: No matching distribution found for nosuchpkg\n";
    auto failed = make(environment);
    ASSERT_FALSE(failed);
    EXPECT_THAT(failed.error().message,
                StartsWith("environment build failed (venv, pip install exited with 1): ERROR: "
                           "No matching distribution found for nosuchpkg\n"));
}

TEST_F(EnvMaterialize, AHalfMadeDirectoryIsReplaced) {
    const Environment environment = venv_environment();
    const fs::path dir = prefix_of(environment);
    write_text(dir / "leftover.txt", "from a killed build\n");
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::built);
    EXPECT_FALSE(fs::exists(dir / "leftover.txt"));
}

TEST_F(EnvMaterialize, TwoAtOnceBuildOnceAndTheOtherHits) {
    const Environment environment = venv_environment();
    m_runner.on_run = [](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "python3 venv") {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
    };
    std::vector<std::string> caches(2);
    std::vector<std::string> errors(2);
    std::vector<std::vector<std::string>> notes(2);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&, t] {
            MaterializeContext made_with = context();
            made_with.note = [&, t](const std::string& text) { notes[t].push_back(text); };
            while (!go.load()) {
                std::this_thread::yield();
            }
            auto made = materialize(environment, made_with);
            if (made) {
                caches[t] = std::string(cache_outcome_name(made->cache));
            } else {
                errors[t] = made.error().message;
            }
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
    std::ranges::sort(caches);
    EXPECT_EQ(caches, (std::vector<std::string>{"built", "hit"}));
    EXPECT_EQ(m_runner.with_key("python3 venv").size(), 1U);
    const bool someone_waited =
        std::ranges::count(notes[0], "another process is making this environment; waiting for it") +
            std::ranges::count(notes[1],
                               "another process is making this environment; waiting for it") ==
        1;
    EXPECT_TRUE(someone_waited);
}

// --- conda ---------------------------------------------------------------------------------

TEST_F(EnvMaterialize, CondaUsesMicromambaFirst) {
    const Environment environment = conda_environment();
    const fs::path dir = prefix_of(environment);
    const std::string conda_file = dir.string() + ".conda.yml";
    m_runner.programs = {"micromamba", "mamba", "conda"};
    std::string file_at_create;
    m_runner.on_run = [&](const Command& command) { file_at_create = read(command.argv.back()); };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::built);
    EXPECT_EQ(made->location, dir.string());
    ASSERT_EQ(m_runner.commands.size(), 1U);
    EXPECT_EQ(m_runner.commands[0].argv, words({"micromamba", "create", "--yes", "--prefix",
                                                dir.string(), "--file", conda_file}));
    EXPECT_EQ(file_at_create, *environment.definition.conda);
    EXPECT_FALSE(fs::exists(conda_file));
    EXPECT_TRUE(fs::exists(dir / ".ferry-ready"));

    auto again = make(environment);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->cache, CacheOutcome::hit);
    EXPECT_EQ(m_runner.commands.size(), 1U);
}

TEST_F(EnvMaterialize, CondaFallsBackToMambaThenConda) {
    const Environment environment = conda_environment();
    const fs::path dir = prefix_of(environment);
    const std::string conda_file = dir.string() + ".conda.yml";
    for (const std::string tool : {"mamba", "conda"}) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        m_runner.commands.clear();
        m_runner.programs = {tool, "conda"};
        auto made = make(environment);
        ASSERT_TRUE(made) << made.error().message;
        ASSERT_EQ(m_runner.commands.size(), 1U);
        EXPECT_EQ(m_runner.commands[0].argv,
                  words({tool, "env", "create", "--prefix", dir.string(), "--file", conda_file}));
    }
}

TEST_F(EnvMaterialize, CondaFailureRemovesThePrefix) {
    const Environment environment = conda_environment();
    m_runner.programs = {"micromamba"};
    m_runner.codes["micromamba create"] = 1;
    m_runner.outputs["micromamba create"] = "error: nothing provides numpy\n";
    auto failed = make(environment);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    EXPECT_THAT(failed.error().message, HasSubstr("conda"));
    EXPECT_THAT(failed.error().message, HasSubstr("error: nothing provides numpy"));
    EXPECT_FALSE(fs::exists(prefix_of(environment)));
    EXPECT_FALSE(fs::exists(prefix_of(environment).string() + ".conda.yml"));
}

TEST_F(EnvMaterialize, CondaWithoutAToolFails) {
    auto failed = make(conda_environment());
    ASSERT_FALSE(failed);
    EXPECT_THAT(failed.error().message, HasSubstr("micromamba, mamba or conda"));
    EXPECT_TRUE(m_runner.commands.empty());
}

// --- docker --------------------------------------------------------------------------------

TEST_F(EnvMaterialize, ImagePresentIsAHit) {
    m_runner.programs = {"docker"};
    auto made = make(image_environment());
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::hit);
    EXPECT_EQ(made->location, "alpine:3.19");
    ASSERT_EQ(m_runner.commands.size(), 1U);
    EXPECT_EQ(m_runner.commands[0].argv,
              words({"docker", "image", "inspect", "--format", "{{.Id}}", "alpine:3.19"}));
    EXPECT_TRUE(m_runner.with_key("docker build").empty());
}

TEST_F(EnvMaterialize, ImageAbsentIsPulled) {
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    auto made = make(image_environment());
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::pulled);
    EXPECT_EQ(made->location, "alpine:3.19");
    ASSERT_EQ(m_runner.commands.size(), 2U);
    EXPECT_EQ(m_runner.commands[1].argv, words({"docker", "pull", "alpine:3.19"}));
    EXPECT_TRUE(m_runner.with_key("docker build").empty());
}

TEST_F(EnvMaterialize, PodmanWhenDockerIsMissing) {
    m_runner.programs = {"podman"};
    m_runner.codes["podman image"] = 1;
    auto made = make(image_environment());
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(m_runner.commands.back().argv, words({"podman", "pull", "alpine:3.19"}));
}

TEST_F(EnvMaterialize, FailedPullIsABuildFailure) {
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    m_runner.codes["docker pull"] = 1;
    m_runner.outputs["docker pull"] = "Error response from daemon: manifest unknown\n";
    auto failed = make(image_environment());
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    EXPECT_THAT(failed.error().message, HasSubstr("manifest unknown"));
}

TEST_F(EnvMaterialize, NoEngineFails) {
    auto failed = make(image_environment());
    ASSERT_FALSE(failed);
    EXPECT_THAT(failed.error().message, HasSubstr("neither docker nor podman is on PATH"));
    EXPECT_TRUE(m_runner.commands.empty());
}

TEST_F(EnvMaterialize, BuildContextIsMaterializedBuiltAndRemoved) {
    const Environment environment = build_environment();
    ASSERT_TRUE(environment.definition.context.has_value());
    const std::string hash16 = environment.hash.substr(0, 16);
    const fs::path ctx = context_dir_of(environment);
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    std::string dockerfile_at_build;
    std::string app_at_build;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "docker build") {
            dockerfile_at_build = read(ctx / "Dockerfile");
            app_at_build = read(ctx / "app.py");
        }
    };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::built);
    EXPECT_EQ(made->location, "ferry-env:" + hash16);
    ASSERT_EQ(m_runner.commands.size(), 2U);
    EXPECT_EQ(m_runner.commands[0].argv,
              words({"docker", "image", "inspect", "--format", "{{.Id}}", "ferry-env:" + hash16}));
    EXPECT_EQ(m_runner.commands[1].argv,
              words({"docker", "build", "--force-rm", "--tag", "ferry-env:" + hash16, "--label",
                     "ferry.environment=" + environment.hash, "--file",
                     (ctx / "Dockerfile").string(), ctx.string()}));
    EXPECT_EQ(dockerfile_at_build, "FROM alpine:3.19\nCOPY app.py /app.py\n");
    EXPECT_EQ(app_at_build, "print('hello')\n");
    EXPECT_FALSE(fs::exists(ctx)) << "the build context was left behind";
    EXPECT_TRUE(m_runner.with_key("docker pull").empty());
}

TEST_F(EnvMaterialize, BuildContextWithAnotherDockerfilePath) {
    const Environment environment = build_environment("docker/Dockerfile.gpu");
    const fs::path ctx = context_dir_of(environment);
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    const auto builds = m_runner.with_key("docker build");
    ASSERT_EQ(builds.size(), 1U);
    EXPECT_THAT(builds[0].argv, ::testing::Contains((ctx / "docker" / "Dockerfile.gpu").string()));
}

TEST_F(EnvMaterialize, BuiltImagePresentIsAHit) {
    const Environment environment = build_environment();
    m_runner.programs = {"docker"};
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::hit);
    EXPECT_EQ(made->location, "ferry-env:" + environment.hash.substr(0, 16));
    EXPECT_EQ(m_runner.commands.size(), 1U);
}

TEST_F(EnvMaterialize, FailedImageBuildRemovesTheContext) {
    const Environment environment = build_environment();
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    m_runner.codes["docker build"] = 1;
    m_runner.outputs["docker build"] = "#5 ERROR: process \"/bin/sh -c false\" did not complete\n";
    auto failed = make(environment);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    EXPECT_THAT(failed.error().message, HasSubstr("docker build exited with 1"));
    EXPECT_THAT(failed.error().message, HasSubstr("did not complete"));
    EXPECT_FALSE(fs::exists(context_dir_of(environment)));
}

TEST_F(EnvMaterialize, ImageWithCondaGetsAGeneratedDockerfile) {
    Definition definition;
    definition.image = "mambaorg/micromamba:1.5";
    definition.conda = "dependencies:\n  - numpy\n";
    const Environment environment = environment_of(Kind::docker, definition);
    const fs::path ctx = context_dir_of(environment);
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    std::vector<std::string> files_at_build;
    std::string dockerfile_at_build;
    std::string conda_at_build;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "docker build") {
            files_at_build = test::entries_of(ctx);
            dockerfile_at_build = read(ctx / "Dockerfile");
            conda_at_build = read(ctx / "conda.yml");
        }
    };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->location, "ferry-env:" + environment.hash.substr(0, 16));
    EXPECT_EQ(files_at_build, (std::vector<std::string>{"Dockerfile", "conda.yml"}));
    EXPECT_EQ(dockerfile_at_build, generated_dockerfile(definition));
    EXPECT_EQ(conda_at_build, "dependencies:\n  - numpy\n");
    EXPECT_FALSE(fs::exists(ctx));
}

TEST_F(EnvMaterialize, ImageWithRequirementsGetsAGeneratedDockerfile) {
    Definition definition;
    definition.image = "python:3.11-slim";
    definition.requirements = "requests\n";
    const Environment environment = environment_of(Kind::docker, definition);
    const fs::path ctx = context_dir_of(environment);
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    std::vector<std::string> files_at_build;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "docker build") {
            files_at_build = test::entries_of(ctx);
        }
    };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(files_at_build, (std::vector<std::string>{"Dockerfile", "requirements.txt"}));
}

TEST_F(EnvMaterialize, RegistryLoginGetsThePasswordOnStdinOnly) {
    Definition definition;
    definition.image = "registry.example.com/team/img:1";
    definition.registry = ImageRegistry{"registry.example.com", "me", "REGISTRY_PASSWORD"};
    const Environment environment = environment_of(Kind::docker, definition);
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    m_runner.variables["REGISTRY_PASSWORD"] = std::string(k_password);
    bool config_existed_at_login = false;
    m_runner.on_run = [&](const Command& command) {
        if (FakeRunner::key_of(command.argv) == "docker login") {
            auto config = command.variables.find("DOCKER_CONFIG");
            config_existed_at_login =
                config != command.variables.end() && fs::is_directory(config->second);
        }
    };
    auto made = make(environment);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->cache, CacheOutcome::pulled);

    const auto logins = m_runner.with_key("docker login");
    ASSERT_EQ(logins.size(), 1U);
    const Command& login = logins[0];
    EXPECT_EQ(login.argv, words({"docker", "login", "registry.example.com", "--username", "me",
                                 "--password-stdin"}));
    EXPECT_EQ(login.input, std::string(k_password) + "\n");
    ASSERT_TRUE(login.variables.contains("DOCKER_CONFIG"));
    const fs::path config = login.variables.at("DOCKER_CONFIG");
    EXPECT_FALSE(config.empty());
    EXPECT_TRUE(config_existed_at_login);
    EXPECT_FALSE(fs::exists(config)) << "the login's DOCKER_CONFIG outlived the pull";

    const auto pulls = m_runner.with_key("docker pull");
    ASSERT_EQ(pulls.size(), 1U);
    EXPECT_EQ(pulls[0].argv, words({"docker", "pull", "registry.example.com/team/img:1"}));
    EXPECT_EQ(pulls[0].variables.at("DOCKER_CONFIG"), config.string());

    for (const auto& command : m_runner.commands) {
        for (const auto& word : command.argv) {
            EXPECT_THAT(word, Not(HasSubstr(std::string(k_password))));
        }
        for (const auto& [name, value] : command.variables) {
            EXPECT_THAT(value, Not(HasSubstr(std::string(k_password)))) << name;
        }
    }
    EXPECT_THAT(read(m_log_path), Not(HasSubstr(std::string(k_password))));
    for (const auto& note : m_notes) {
        EXPECT_THAT(note, Not(HasSubstr(std::string(k_password))));
    }
}

TEST_F(EnvMaterialize, FailedLoginRemovesTheConfig) {
    Definition definition;
    definition.image = "registry.example.com/team/img:1";
    definition.registry = ImageRegistry{"registry.example.com", "me", "REGISTRY_PASSWORD"};
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    m_runner.codes["docker login"] = 1;
    m_runner.variables["REGISTRY_PASSWORD"] = std::string(k_password);
    auto failed = make(environment_of(Kind::docker, definition));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::infrastructure);
    const auto logins = m_runner.with_key("docker login");
    ASSERT_EQ(logins.size(), 1U);
    EXPECT_FALSE(fs::exists(logins[0].variables.at("DOCKER_CONFIG")));
    EXPECT_TRUE(m_runner.with_key("docker pull").empty());
    EXPECT_THAT(failed.error().message, Not(HasSubstr(std::string(k_password))));
}

TEST_F(EnvMaterialize, MissingPasswordVariableIsAUsageErrorNamingIt) {
    Definition definition;
    definition.image = "registry.example.com/team/img:1";
    definition.registry = ImageRegistry{"registry.example.com", "me", "REGISTRY_PASSWORD"};
    m_runner.programs = {"docker"};
    m_runner.codes["docker image"] = 1;
    auto failed = make(environment_of(Kind::docker, definition));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ExitCode::usage);
    EXPECT_EQ(failed.error().message,
              "image_registry.password_env names REGISTRY_PASSWORD, which is not set");
    EXPECT_TRUE(m_runner.with_key("docker login").empty());
    EXPECT_TRUE(m_runner.with_key("docker pull").empty());
}

// --- is_materialized -----------------------------------------------------------------------

TEST_F(EnvMaterialize, IsMaterializedAsksTheMarkerOrTheEngine) {
    const Environment venv = venv_environment();
    auto before = is_materialized(venv, root(), m_runner);
    ASSERT_TRUE(before);
    EXPECT_FALSE(*before);
    ASSERT_TRUE(make(venv));
    auto after = is_materialized(venv, root(), m_runner);
    ASSERT_TRUE(after);
    EXPECT_TRUE(*after);

    auto host = is_materialized(Environment{}, root(), m_runner);
    ASSERT_TRUE(host);
    EXPECT_TRUE(*host);

    const Environment image = image_environment();
    auto without_engine = is_materialized(image, root(), m_runner);
    ASSERT_TRUE(without_engine);
    EXPECT_FALSE(*without_engine);
    m_runner.programs.insert("docker");
    m_runner.commands.clear();
    auto present = is_materialized(image, root(), m_runner);
    ASSERT_TRUE(present);
    EXPECT_TRUE(*present);
    ASSERT_EQ(m_runner.commands.size(), 1U);
    EXPECT_EQ(m_runner.commands[0].argv,
              words({"docker", "image", "inspect", "--format", "{{.Id}}", "alpine:3.19"}));
    m_runner.codes["docker image"] = 1;
    auto absent = is_materialized(image, root(), m_runner);
    ASSERT_TRUE(absent);
    EXPECT_FALSE(*absent);
}

// --- check_can_materialize -----------------------------------------------------------------

TEST(EnvCheckCanMaterialize, HostAlwaysCan) {
    FakeRunner runner;
    EXPECT_TRUE(check_can_materialize(Environment{}, runner));
}

TEST(EnvCheckCanMaterialize, VenvNeedsPython3) {
    FakeRunner runner;
    auto refused = check_can_materialize(venv_environment(), runner);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message, "a venv needs python3, which is not on PATH");
    runner.programs = {"python3"};
    EXPECT_TRUE(check_can_materialize(venv_environment(), runner));
}

TEST(EnvCheckCanMaterialize, CondaWithoutAToolNamesThePackages) {
    FakeRunner runner;
    runner.programs = {"python3"};
    auto refused = check_can_materialize(conda_environment(), runner);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_THAT(refused.error().message, HasSubstr("needs conda, mamba or micromamba for"));
    EXPECT_THAT(refused.error().message, HasSubstr("numpy, scipy"));
    for (const std::string tool : {"micromamba", "mamba", "conda"}) {
        runner.programs = {tool};
        EXPECT_TRUE(check_can_materialize(conda_environment(), runner)) << tool;
    }
}

TEST(EnvCheckCanMaterialize, ImageNeedsAnEngine) {
    FakeRunner runner;
    auto refused = check_can_materialize(image_environment(), runner);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "an image needs Docker or Podman, and neither docker nor podman is on PATH");
    runner.programs = {"podman"};
    EXPECT_TRUE(check_can_materialize(image_environment(), runner));
}

TEST(EnvCheckCanMaterialize, RegistryNeedsItsPasswordVariable) {
    FakeRunner runner;
    runner.programs = {"docker"};
    Definition definition;
    definition.image = "registry.example.com/img:1";
    definition.registry = ImageRegistry{"registry.example.com", "me", "REG_PW"};
    const Environment environment = environment_of(Kind::docker, definition);
    auto refused = check_can_materialize(environment, runner);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "image_registry.password_env names REG_PW, which is not set");
    runner.variables["REG_PW"] = "x";
    EXPECT_TRUE(check_can_materialize(environment, runner));
}

// --- container_engine ----------------------------------------------------------------------

TEST(EnvContainerEngine, DockerThenPodman) {
    FakeRunner runner;
    EXPECT_EQ(container_engine(runner), std::nullopt);
    runner.programs = {"podman"};
    EXPECT_EQ(container_engine(runner), "podman");
    runner.programs = {"docker", "podman"};
    EXPECT_EQ(container_engine(runner), "docker");
}

TEST(EnvContainerEngine, TheVariableOverrides) {
    FakeRunner runner;
    runner.programs = {"docker", "podman"};
    runner.variables["FERRY_CONTAINER_ENGINE"] = "podman";
    EXPECT_EQ(container_engine(runner), "podman");
    runner.variables["FERRY_CONTAINER_ENGINE"] = "";
    EXPECT_EQ(container_engine(runner), "docker");
    runner.variables["FERRY_CONTAINER_ENGINE"] = "nerdctl";
    EXPECT_EQ(container_engine(runner), std::nullopt);
    runner.programs.insert("nerdctl");
    EXPECT_EQ(container_engine(runner), "nerdctl");
}

// --- prefix_variables, location_of, last_lines ---------------------------------------------

TEST(EnvPrefixVariables, VenvAndConda) {
    EXPECT_EQ(
        prefix_variables(venv_environment(), "/ws/environments/abc", "/usr/bin:/bin"),
        (std::map<std::string, std::string>{{"PATH", "/ws/environments/abc/bin:/usr/bin:/bin"},
                                            {"VIRTUAL_ENV", "/ws/environments/abc"}}));
    EXPECT_EQ(prefix_variables(conda_environment(), "/ws/environments/def", "/usr/bin"),
              (std::map<std::string, std::string>{{"CONDA_PREFIX", "/ws/environments/def"},
                                                  {"PATH", "/ws/environments/def/bin:/usr/bin"}}));
    EXPECT_EQ(prefix_variables(venv_environment(), "/v", ""),
              (std::map<std::string, std::string>{{"PATH", "/v/bin"}, {"VIRTUAL_ENV", "/v"}}));
}

TEST(EnvPrefixVariables, NothingForHostOrDocker) {
    EXPECT_TRUE(prefix_variables(Environment{}, "host", "/usr/bin").empty());
    EXPECT_TRUE(prefix_variables(image_environment(), "alpine:3.19", "/usr/bin").empty());
}

TEST(EnvLocationOf, EachKind) {
    const fs::path root = "/home/u/.ferry/ws";
    const Environment venv = venv_environment();
    EXPECT_EQ(location_of(venv, root), "/home/u/.ferry/ws/environments/" + venv.hash.substr(0, 16));
    const Environment conda = conda_environment();
    EXPECT_EQ(location_of(conda, root),
              "/home/u/.ferry/ws/environments/" + conda.hash.substr(0, 16));
    EXPECT_EQ(location_of(Environment{}, root), "host");
    EXPECT_EQ(location_of(image_environment("ubuntu:22.04"), root), "ubuntu:22.04");

    Definition built;
    built.context = "snapshot";
    const Environment from_context = environment_of(Kind::docker, built);
    EXPECT_EQ(location_of(from_context, root), "ferry-env:" + from_context.hash.substr(0, 16));
    Definition layered;
    layered.image = "python:3.11";
    layered.requirements = "rich\n";
    const Environment with_requirements = environment_of(Kind::docker, layered);
    EXPECT_EQ(location_of(with_requirements, root),
              "ferry-env:" + with_requirements.hash.substr(0, 16));
    layered.requirements.reset();
    layered.conda = "dependencies: [numpy]\n";
    const Environment with_conda = environment_of(Kind::docker, layered);
    EXPECT_EQ(location_of(with_conda, root), "ferry-env:" + with_conda.hash.substr(0, 16));
}

TEST(EnvLastLines, TheLastNonBlankLines) {
    TempDir tmp;
    write_text(tmp / "log.txt", "one\ntwo\n\n   \nthree\nfour\n");
    EXPECT_EQ(last_lines(tmp / "log.txt", 2), "three\nfour");
    EXPECT_EQ(last_lines(tmp / "log.txt", 10), "one\ntwo\nthree\nfour");
    EXPECT_EQ(last_lines(tmp / "log.txt", 0), "");
    EXPECT_EQ(last_lines(tmp / "missing.txt", 3), "");
}

TEST(EnvLastLines, ColourSequencesAreRemoved) {
    TempDir tmp;
    write_text(tmp / "log.txt", "\x1b[1;31mERROR:\x1b[0m no space left\n");
    EXPECT_EQ(last_lines(tmp / "log.txt", 1), "ERROR: no space left");
}

TEST(EnvLastLines, LongLinesAreCut) {
    TempDir tmp;
    write_text(tmp / "log.txt", std::string(500, 'x') + "\nend");
    EXPECT_EQ(last_lines(tmp / "log.txt", 2), std::string(200, 'x') + "...\nend");
}

}  // namespace
}  // namespace ferry::env
