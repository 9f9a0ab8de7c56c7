#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::env {
namespace {

using test::TempDir;
using test::write_text;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

Definition with_conda(std::string text) {
    Definition definition;
    definition.conda = std::move(text);
    return definition;
}

Definition full_definition() {
    Definition definition;
    definition.image = "python:3.11-slim";
    definition.conda = "dependencies:\n  - numpy\n";
    definition.requirements = "requests\n";
    definition.context = "abc123";
    definition.dockerfile_path = "docker/Dockerfile";
    definition.user_managed = true;
    definition.registry = ImageRegistry{"registry.example.com", "me", "REGISTRY_PASSWORD"};
    return definition;
}

// --- kinds ---------------------------------------------------------------------------------

TEST(EnvDefinition, KindNamesRoundTrip) {
    for (const Kind kind : {Kind::host, Kind::venv, Kind::conda, Kind::docker}) {
        const auto parsed = parse_kind(kind_name(kind));
        ASSERT_TRUE(parsed.has_value()) << kind_name(kind);
        EXPECT_EQ(*parsed, kind);
    }
    EXPECT_EQ(kind_name(Kind::host), "host");
    EXPECT_EQ(kind_name(Kind::venv), "venv");
    EXPECT_EQ(kind_name(Kind::conda), "conda");
    EXPECT_EQ(kind_name(Kind::docker), "docker");
}

TEST(EnvDefinition, UnknownKindNamesAreRefused) {
    EXPECT_FALSE(parse_kind("").has_value());
    EXPECT_FALSE(parse_kind("Docker").has_value());
    EXPECT_FALSE(parse_kind("podman").has_value());
}

// --- read_conda ----------------------------------------------------------------------------

TEST(EnvDefinition, ReadCondaPythonPinPipListAndPackages) {
    auto needs = read_conda(
        "name: demo\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.11\n"
        "  - pip\n"
        "  - numpy>=1.26\n"
        "  - scipy\n"
        "  - pip:\n"
        "      - requests==2.31\n"
        "      - rich\n",
        "conda.yml");
    ASSERT_TRUE(needs) << needs.error().message;
    EXPECT_EQ(needs->python, "3.11");
    EXPECT_THAT(needs->conda_packages, ElementsAre("numpy>=1.26", "scipy"));
    EXPECT_THAT(needs->pip_packages, ElementsAre("requests==2.31", "rich"));
}

TEST(EnvDefinition, ReadCondaPythonPinForms) {
    auto ranged = read_conda("dependencies: [python>=3.8]\n", "c.yml");
    ASSERT_TRUE(ranged) << ranged.error().message;
    EXPECT_EQ(ranged->python, "3.8");
    auto unpinned = read_conda("dependencies: [python, pip=23.0]\n", "c.yml");
    ASSERT_TRUE(unpinned) << unpinned.error().message;
    EXPECT_EQ(unpinned->python, "");
    EXPECT_THAT(unpinned->conda_packages, IsEmpty());
    EXPECT_THAT(unpinned->pip_packages, IsEmpty());
}

TEST(EnvDefinition, ReadCondaWithoutDependenciesNeedsNothing) {
    auto needs = read_conda("name: empty\n", "c.yml");
    ASSERT_TRUE(needs) << needs.error().message;
    EXPECT_EQ(needs->python, "");
    EXPECT_THAT(needs->conda_packages, IsEmpty());
    EXPECT_THAT(needs->pip_packages, IsEmpty());
}

TEST(EnvDefinition, ReadCondaDependenciesNotAListPointsAtThem) {
    auto needs = read_conda("name: x\ndependencies:\n  numpy: 1\n", "conda.yml");
    ASSERT_FALSE(needs);
    EXPECT_EQ(needs.error().code, ExitCode::usage);
    EXPECT_EQ(needs.error().message, "conda.yml:3:3: dependencies must be a list");
}

TEST(EnvDefinition, ReadCondaPipNotAListPointsAtIt) {
    auto needs = read_conda("dependencies:\n  - pip: requests\n", "conda.yml");
    ASSERT_FALSE(needs);
    EXPECT_EQ(needs.error().code, ExitCode::usage);
    EXPECT_EQ(needs.error().message, "conda.yml:2:10: pip must be a list of requirements");
}

TEST(EnvDefinition, ReadCondaOtherMapDependencyPointsAtIt) {
    auto needs = read_conda("dependencies:\n  - numpy\n  - other: [a]\n", "conda.yml");
    ASSERT_FALSE(needs);
    EXPECT_EQ(needs.error().code, ExitCode::usage);
    EXPECT_EQ(needs.error().message, "conda.yml:3:5: a dependency is a package or a 'pip:' list");
}

TEST(EnvDefinition, ReadCondaSyntaxErrorNamesTheFile) {
    auto needs = read_conda("dependencies: [numpy\n", "conda.yml");
    ASSERT_FALSE(needs);
    EXPECT_EQ(needs.error().code, ExitCode::usage);
    EXPECT_THAT(needs.error().message, ::testing::StartsWith("conda.yml:"));
}

// A conda file that is a plain string (not a map) is bad input, not a crash.
TEST(EnvDefinition, ReadCondaScalarDocumentIsAnErrorNotAnException) {
    Result<CondaNeeds> needs = CondaNeeds{};
    EXPECT_NO_THROW(needs = read_conda("just some text\n", "conda.yml"));
    EXPECT_FALSE(needs) << "a scalar document was accepted";
}

// A pip entry that is not a string is bad input, not a crash.
TEST(EnvDefinition, ReadCondaPipEntryMapIsAnErrorNotAnException) {
    Result<CondaNeeds> needs = CondaNeeds{};
    EXPECT_NO_THROW(needs = read_conda("dependencies:\n  - pip:\n      - {a: 1}\n", "conda.yml"));
    EXPECT_FALSE(needs) << "a map in the pip list was accepted";
}

// --- choose_kind ---------------------------------------------------------------------------

Kind kind_of(const Definition& definition) {
    auto kind = choose_kind(definition);
    EXPECT_TRUE(kind) << kind.error().message;
    return kind ? *kind : Kind::host;
}

TEST(EnvDefinition, ChooseKindNothingIsHost) {
    EXPECT_EQ(kind_of(Definition{}), Kind::host);
}

TEST(EnvDefinition, ChooseKindUserManagedAloneIsHost) {
    Definition definition;
    definition.user_managed = true;
    EXPECT_EQ(kind_of(definition), Kind::host);
}

TEST(EnvDefinition, ChooseKindPipRequirementsIsVenv) {
    Definition definition;
    definition.requirements = "requests\n";
    EXPECT_EQ(kind_of(definition), Kind::venv);
}

TEST(EnvDefinition, ChooseKindPipOnlyCondaIsVenv) {
    EXPECT_EQ(kind_of(with_conda("dependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
                                 "      - requests\n")),
              Kind::venv);
}

TEST(EnvDefinition, ChooseKindCondaWithNumpyIsConda) {
    EXPECT_EQ(kind_of(with_conda("dependencies:\n  - python=3.11\n  - numpy\n")), Kind::conda);
}

TEST(EnvDefinition, ChooseKindImageIsDocker) {
    Definition definition;
    definition.image = "alpine:3.19";
    EXPECT_EQ(kind_of(definition), Kind::docker);
    definition.user_managed = true;
    EXPECT_EQ(kind_of(definition), Kind::docker);
}

TEST(EnvDefinition, ChooseKindBuildIsDocker) {
    Definition definition;
    definition.context = "snapshot-id";
    EXPECT_EQ(kind_of(definition), Kind::docker);
}

TEST(EnvDefinition, ChooseKindImageWithCondaIsDocker) {
    Definition definition = with_conda("dependencies:\n  - numpy\n");
    definition.image = "ubuntu:22.04";
    EXPECT_EQ(kind_of(definition), Kind::docker);
}

TEST(EnvDefinition, ChooseKindReportsABadCondaFile) {
    auto kind = choose_kind(with_conda("dependencies: numpy\n"));
    ASSERT_FALSE(kind);
    EXPECT_EQ(kind.error().code, ExitCode::usage);
    EXPECT_THAT(kind.error().message, HasSubstr("dependencies must be a list"));
}

// --- venv_requirements and generated_dockerfile ---------------------------------------------

TEST(EnvDefinition, VenvRequirementsMergesTheFileAndTheCondaPipList) {
    Definition definition =
        with_conda("dependencies:\n  - python=3.11\n  - pip:\n      - rich\n      - click\n");
    definition.requirements = "requests==2.31";  // no final newline
    EXPECT_EQ(venv_requirements(definition), "requests==2.31\nrich\nclick\n");
}

TEST(EnvDefinition, VenvRequirementsOfEachAlone) {
    Definition file_only;
    file_only.requirements = "requests\n";
    EXPECT_EQ(venv_requirements(file_only), "requests\n");
    EXPECT_EQ(venv_requirements(with_conda("dependencies:\n  - pip:\n      - rich\n")), "rich\n");
    EXPECT_EQ(venv_requirements(Definition{}), "");
}

TEST(EnvDefinition, GeneratedDockerfileForImageAndConda) {
    Definition definition = with_conda("dependencies:\n  - numpy\n");
    definition.image = "mambaorg/micromamba:1.5";
    const std::string text = generated_dockerfile(definition);
    EXPECT_THAT(text, ::testing::StartsWith("FROM mambaorg/micromamba:1.5\n"));
    EXPECT_THAT(text, HasSubstr("COPY conda.yml /ferry/conda.yml\n"));
    EXPECT_THAT(text, HasSubstr("micromamba create -y -p /opt/ferry-env -f /ferry/conda.yml"));
    EXPECT_THAT(text, HasSubstr("env create -p /opt/ferry-env -f /ferry/conda.yml"));
    EXPECT_THAT(text, HasSubstr("ENV PATH=/opt/ferry-env/bin:$PATH CONDA_PREFIX=/opt/ferry-env\n"));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("requirements.txt")));
}

TEST(EnvDefinition, GeneratedDockerfileForImageAndRequirements) {
    Definition definition;
    definition.image = "python:3.11-slim";
    definition.requirements = "requests\n";
    EXPECT_EQ(generated_dockerfile(definition),
              "FROM python:3.11-slim\n"
              "COPY requirements.txt /ferry/requirements.txt\n"
              "RUN python3 -m pip install -r /ferry/requirements.txt\n");
}

// --- Definition JSON and hash ---------------------------------------------------------------

TEST(EnvDefinition, DefinitionJsonShape) {
    const Json json = full_definition().to_json();
    EXPECT_EQ(json.dump(),
              R"({"image":"python:3.11-slim","conda_file":"dependencies:\n  - numpy\n",)"
              R"("pip_requirements":"requests\n",)"
              R"("build":{"context":"abc123","dockerfile_path":"docker/Dockerfile"},)"
              R"("user_managed_dependencies":true,)"
              R"("image_registry":{"address":"registry.example.com","username":"me",)"
              R"("password_env":"REGISTRY_PASSWORD"}})");
    EXPECT_EQ(Definition{}.to_json().dump(),
              R"({"image":null,"conda_file":null,"pip_requirements":null,"build":null,)"
              R"("user_managed_dependencies":false,"image_registry":null})");
}

TEST(EnvDefinition, DefinitionJsonRoundTrip) {
    for (const Definition& original : {full_definition(), Definition{}}) {
        auto back = Definition::from_json(original.to_json());
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(back->to_json(), original.to_json());
        EXPECT_EQ(back->hash(), original.hash());
        EXPECT_EQ(back->image, original.image);
        EXPECT_EQ(back->conda, original.conda);
        EXPECT_EQ(back->requirements, original.requirements);
        EXPECT_EQ(back->context, original.context);
        EXPECT_EQ(back->user_managed, original.user_managed);
        EXPECT_EQ(back->registry.has_value(), original.registry.has_value());
    }
}

TEST(EnvDefinition, DamagedDefinitionJsonIsAnError) {
    auto back = Definition::from_json(Json{{"build", {{"context", 3}}}});
    ASSERT_FALSE(back);
    EXPECT_THAT(back.error().message, HasSubstr("damaged"));
}

TEST(EnvDefinition, HashIsStableAnd64Hex) {
    const std::string hash = full_definition().hash();
    EXPECT_EQ(hash.size(), 64U);
    EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(full_definition().hash(), hash);
}

TEST(EnvDefinition, HashChangesWithEveryField) {
    const std::string base = full_definition().hash();
    std::vector<std::pair<std::string, Definition>> changed;
    auto change = [&](std::string what, auto edit) {
        Definition definition = full_definition();
        edit(definition);
        changed.emplace_back(std::move(what), std::move(definition));
    };
    change("image", [](Definition& d) { d.image = "python:3.12-slim"; });
    change("no image", [](Definition& d) { d.image.clear(); });
    change("conda", [](Definition& d) { d.conda = "dependencies:\n  - scipy\n"; });
    change("no conda", [](Definition& d) { d.conda.reset(); });
    change("requirements", [](Definition& d) { d.requirements = "rich\n"; });
    change("no requirements", [](Definition& d) { d.requirements.reset(); });
    change("context", [](Definition& d) { d.context = "def456"; });
    change("no context", [](Definition& d) { d.context.reset(); });
    change("dockerfile_path", [](Definition& d) { d.dockerfile_path = "Dockerfile"; });
    change("user_managed", [](Definition& d) { d.user_managed = false; });
    change("registry address", [](Definition& d) { d.registry->address = "other.example"; });
    change("registry username", [](Definition& d) { d.registry->username = "you"; });
    change("registry password_env", [](Definition& d) { d.registry->password_env = "PW"; });
    change("no registry", [](Definition& d) { d.registry.reset(); });
    for (const auto& [what, definition] : changed) {
        EXPECT_NE(definition.hash(), base) << what;
    }
}

// --- Environment ---------------------------------------------------------------------------

TEST(EnvDefinition, EnvironmentJsonRoundTrip) {
    Environment named;
    named.name = "demo";
    named.version = "3";
    named.kind = Kind::docker;
    named.definition = full_definition();
    named.hash = named.definition.hash();
    Environment inline_one;
    inline_one.kind = Kind::venv;
    inline_one.definition.requirements = "requests\n";
    inline_one.hash = inline_one.definition.hash();
    for (const Environment& original : {named, inline_one}) {
        const Json json = original.to_json();
        auto back = Environment::from_json(json);
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(back->name, original.name);
        EXPECT_EQ(back->version, original.version);
        EXPECT_EQ(back->kind, original.kind);
        EXPECT_EQ(back->hash, original.hash);
        EXPECT_EQ(back->to_json(), json);
        EXPECT_EQ(back->label(), original.label());
    }
    EXPECT_EQ(named.label(), "demo:3");
    EXPECT_EQ(inline_one.label(), "inline");
    EXPECT_TRUE(inline_one.to_json()["name"].is_null());
    EXPECT_TRUE(inline_one.to_json()["version"].is_null());
    EXPECT_EQ(inline_one.to_json()["runtime"], "venv");
}

TEST(EnvDefinition, EnvironmentWithUnknownRuntimeIsRefused) {
    Environment environment;
    Json json = environment.to_json();
    json["runtime"] = "vm";
    EXPECT_FALSE(Environment::from_json(json));
    EXPECT_FALSE(Environment::from_json(Json::object()));
}

// --- define --------------------------------------------------------------------------------

class EnvDefine : public ::testing::Test {
protected:
    void open_workspace() {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("ws", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    TempDir m_home;
    TempDir m_files;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(EnvDefine, ReadsTheFilesTheSpecNames) {
    write_text(m_files / "conda.yml", "dependencies:\n  - python=3.11\n  - pip:\n      - rich\n");
    write_text(m_files / "requirements.txt", "requests\n");
    spec::EnvironmentSpec spec;
    spec.name = "demo";
    spec.version = "2";
    spec.conda_file = m_files / "conda.yml";
    spec.pip_requirements = m_files / "requirements.txt";
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    EXPECT_EQ(environment->name, "demo");
    EXPECT_EQ(environment->version, "2");
    EXPECT_EQ(environment->kind, Kind::venv);
    EXPECT_EQ(environment->definition.conda,
              "dependencies:\n  - python=3.11\n  - pip:\n      - rich\n");
    EXPECT_EQ(environment->definition.requirements, "requests\n");
    EXPECT_EQ(environment->hash, environment->definition.hash());
    // Editing the files later changes nothing already defined.
    write_text(m_files / "requirements.txt", "other\n");
    EXPECT_EQ(environment->definition.requirements, "requests\n");
}

TEST_F(EnvDefine, ImageAndRegistry) {
    spec::EnvironmentSpec spec;
    spec.image = "registry.example.com/team/img:1";
    spec.user_managed_dependencies = true;
    spec.image_registry =
        spec::EnvironmentSpec::ImageRegistry{"registry.example.com", "me", "REGISTRY_PASSWORD"};
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    EXPECT_EQ(environment->kind, Kind::docker);
    EXPECT_EQ(environment->definition.image, "registry.example.com/team/img:1");
    EXPECT_TRUE(environment->definition.user_managed);
    ASSERT_TRUE(environment->definition.registry.has_value());
    EXPECT_EQ(environment->definition.registry->address, "registry.example.com");
    EXPECT_EQ(environment->definition.registry->username, "me");
    EXPECT_EQ(environment->definition.registry->password_env, "REGISTRY_PASSWORD");
}

TEST_F(EnvDefine, InlineCondaMap) {
    spec::EnvironmentSpec spec;
    spec.conda_inline = Json{{"dependencies", Json::array({"python=3.10", "numpy"})}};
    auto environment = define(spec, "job.yml", nullptr, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    EXPECT_EQ(environment->kind, Kind::conda);
    ASSERT_TRUE(environment->definition.conda.has_value());
    auto needs = read_conda(*environment->definition.conda, "inline");
    ASSERT_TRUE(needs) << needs.error().message;
    EXPECT_EQ(needs->python, "3.10");
    EXPECT_THAT(needs->conda_packages, ElementsAre("numpy"));
}

TEST_F(EnvDefine, MissingCondaFileNamesTheFileAndTheKey) {
    spec::EnvironmentSpec spec;
    spec.conda_file = m_files / "missing.yml";
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_EQ(environment.error().message,
              fmt::format("env.yml: conda_file: cannot read {}: No such file or directory",
                          (m_files / "missing.yml").string()));
}

// A requirements file is installed from elsewhere: -r files come along, paths become absolute.
TEST_F(EnvDefine, RequirementsInlineTheirRFilesAndAnchorTheirPaths) {
    write_text(m_files / "base.txt", "numpy\n");
    write_text(m_files / "requirements.txt",
               "-r base.txt\n--find-links ./wheels\n-e ../pkg\n./local.whl\nrequests\n");
    spec::EnvironmentSpec spec;
    spec.pip_requirements = m_files / "requirements.txt";
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    const std::string dir = m_files.path().string();
    EXPECT_EQ(*environment->definition.requirements,
              "# from " + dir + "/base.txt\nnumpy\n--find-links " + dir + "/wheels\n-e " +
                  m_files.path().parent_path().string() + "/pkg\n" + dir +
                  "/local.whl\nrequests\n");
    // The -r file's content is part of the environment: changing it changes the hash.
    const std::string before = environment->hash;
    write_text(m_files / "base.txt", "numpy==1.26\n");
    auto changed = define(spec, "env.yml", nullptr, k_now);
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_NE(changed->hash, before);
}

TEST_F(EnvDefine, ADockerfileOutsideTheContextIsRefused) {
    write_text(m_files / "ctx" / "Dockerfile", "FROM alpine\n");
    write_text(m_files / "Dockerfile", "FROM alpine\n");
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "ctx", "../Dockerfile"};
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_THAT(environment.error().message, HasSubstr("must be a path inside build.path"));
}

TEST_F(EnvDefine, MissingRequirementsNamesTheFileAndTheKey) {
    spec::EnvironmentSpec spec;
    spec.pip_requirements = m_files / "missing.txt";
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_THAT(environment.error().message, ::testing::StartsWith("env.yml: pip_requirements: "));
    EXPECT_THAT(environment.error().message, HasSubstr((m_files / "missing.txt").string()));
}

// The position is in the conda file, so the conda file is named.
TEST_F(EnvDefine, BadCondaFileIsAUsageErrorNamingTheCondaFile) {
    write_text(m_files / "conda.yml", "dependencies: numpy\n");
    spec::EnvironmentSpec spec;
    spec.conda_file = m_files / "conda.yml";
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_EQ(environment.error().message,
              (m_files / "conda.yml").string() + ":1:15: dependencies must be a list");
}

TEST_F(EnvDefine, BuildContextThatIsNotADirectory) {
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "nowhere", "Dockerfile"};
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_EQ(environment.error().message, fmt::format("env.yml: build.path: {} is not a directory",
                                                       (m_files / "nowhere").string()));
}

TEST_F(EnvDefine, BuildContextWithoutItsDockerfile) {
    write_text(m_files / "ctx" / "app.py", "print(1)\n");
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "ctx", "Dockerfile"};
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_FALSE(environment);
    EXPECT_EQ(environment.error().code, ExitCode::usage);
    EXPECT_EQ(environment.error().message, fmt::format("env.yml: build.dockerfile_path: no file {}",
                                                       (m_files / "ctx" / "Dockerfile").string()));
}

TEST_F(EnvDefine, BuildContextWithoutAWorkspaceKeepsAnEmptyId) {
    write_text(m_files / "ctx" / "Dockerfile", "FROM alpine\n");
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "ctx", "Dockerfile"};
    auto environment = define(spec, "env.yml", nullptr, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    EXPECT_EQ(environment->kind, Kind::docker);
    EXPECT_EQ(environment->definition.context, "");
}

TEST_F(EnvDefine, BuildContextIsStoredAsASnapshotWithAStableId) {
    open_workspace();
    write_text(m_files / "ctx" / "docker" / "Dockerfile", "FROM alpine\nCOPY app.py /app.py\n");
    write_text(m_files / "ctx" / "app.py", "print(1)\n");
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "ctx", "docker/Dockerfile"};
    auto first = define(spec, "env.yml", &*m_workspace, k_now);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(first->definition.context.has_value());
    EXPECT_FALSE(first->definition.context->empty());
    EXPECT_EQ(first->definition.dockerfile_path, "docker/Dockerfile");
    EXPECT_EQ(first->kind, Kind::docker);

    auto second = define(spec, "env.yml", &*m_workspace, k_now);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->definition.context, first->definition.context);
    EXPECT_EQ(second->hash, first->hash);

    // The stored tree holds the files as they were.
    const fs::path out = m_home / "out";
    auto made = snapshot::materialize(m_workspace->blobs(), *first->definition.context, out);
    ASSERT_TRUE(made) << made.error().message;
    auto app = util::read_file(out / "app.py");
    ASSERT_TRUE(app) << app.error().message;
    EXPECT_EQ(*app, "print(1)\n");
    EXPECT_TRUE(fs::exists(out / "docker" / "Dockerfile"));

    // A changed tree is another snapshot and another hash.
    write_text(m_files / "ctx" / "app.py", "print(2)\n");
    auto third = define(spec, "env.yml", &*m_workspace, k_now);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_NE(third->definition.context, first->definition.context);
    EXPECT_NE(third->hash, first->hash);
}

// A .dockerignore stays in the stored context, so docker build applies it to the context.
TEST_F(EnvDefine, BuildContextKeepsTheDockerignoreForDockerBuild) {
    open_workspace();
    write_text(m_files / "ctx" / "Dockerfile", "FROM alpine\n");
    write_text(m_files / "ctx" / ".dockerignore", "big.bin\n");
    write_text(m_files / "ctx" / "big.bin", "not for the image\n");
    spec::EnvironmentSpec spec;
    spec.build = spec::EnvironmentSpec::Build{m_files / "ctx", "Dockerfile"};
    auto environment = define(spec, "env.yml", &*m_workspace, k_now);
    ASSERT_TRUE(environment) << environment.error().message;
    const fs::path out = m_home / "out";
    auto made = snapshot::materialize(m_workspace->blobs(), *environment->definition.context, out);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_TRUE(fs::exists(out / "Dockerfile"));
    auto ignore = util::read_file(out / ".dockerignore");
    ASSERT_TRUE(ignore) << ignore.error().message;
    EXPECT_EQ(*ignore, "big.bin\n");
}

}  // namespace
}  // namespace ferry::env
