#include "ferry/run/python_shim.hpp"

#include <set>

#include <gtest/gtest.h>

#include "../spec/spec_files.hpp"
#include "../test_support.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/record.hpp"

namespace ferry::run {
namespace {

using spec::test::slurp;
using spec::test::source_dir;

TEST(AzuremlShim, EmbedsEveryPythonFileOfTheSourceTreeAsItIs) {
    std::set<std::string> embedded;
    for (const EmbeddedFile& file : embedded_python_files()) {
        embedded.insert(std::string(file.path));
        EXPECT_EQ(file.content, slurp(source_dir() / "python" / file.path)) << file.path;
    }
    std::set<std::string> in_tree;
    const fs::path python = source_dir() / "python";
    for (const auto& entry : fs::recursive_directory_iterator(python)) {
        if (entry.path().extension() == ".py") {
            in_tree.insert(fs::relative(entry.path(), python).string());
        }
    }
    EXPECT_EQ(embedded, in_tree);
    EXPECT_TRUE(embedded.contains("azureml/__init__.py"));
    EXPECT_TRUE(embedded.contains("azureml/core/__init__.py"));
}

TEST(AzuremlShim, IsWrittenBelowTheRunDirectoryOutsideTheWorkingDirectory) {
    test::TempDir dir;
    const fs::path run = dir / "runs" / "r1";
    fs::create_directories(run / "wd");
    const auto written = write_python_shim(run);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(*written, run / ".ferry" / "python");
    EXPECT_EQ(*written, python_shim_directory(run));
    for (const EmbeddedFile& file : embedded_python_files()) {
        const fs::path path = *written / file.path;
        EXPECT_EQ(slurp(path), file.content) << path;
        EXPECT_EQ(test::mode_of(path), 0644U) << path;
    }
    // Neither in the snapshot (wd/) nor below a directory whose files are stored.
    EXPECT_EQ(test::entries_of(run / "wd"), std::vector<std::string>{});
    RunRecord record;
    record.directory = run;
    for (const ArtifactSource& source : artifact_sources(record)) {
        const auto [end, ignored] = std::ranges::mismatch(source.directory, *written);
        EXPECT_NE(end, source.directory.end()) << source.directory << " holds " << *written;
    }
    // A second run of the supervisor (a retry) writes them again over the first.
    test::write_text(*written / "azureml" / "core" / "run.py", "stale");
    ASSERT_TRUE(write_python_shim(run));
    EXPECT_NE(slurp(*written / "azureml" / "core" / "run.py"), "stale");
}

TEST(AzuremlShim, ReportsARunDirectoryItCannotWriteIn) {
    test::TempDir dir;
    test::write_text(dir / "run", "a file, not a directory");
    const auto written = write_python_shim(dir / "run");
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().message.find((dir / "run").string()), std::string::npos)
        << written.error().message;
}

TEST(AzuremlShim, GoesFirstOnThePythonPathTheJobHas) {
    const fs::path shim = "/ws/runs/r1/.ferry/python";
    const std::map<std::string, std::string> none;
    EXPECT_EQ(python_path_with(shim, none, none), "/ws/runs/r1/.ferry/python");
    EXPECT_EQ(python_path_with(shim, none, {{"PYTHONPATH", "/host/lib"}}),
              "/ws/runs/r1/.ferry/python:/host/lib");
    EXPECT_EQ(python_path_with(shim, {{"PYTHONPATH", "/job/lib:/more"}}, {{"PYTHONPATH", "/host"}}),
              "/ws/runs/r1/.ferry/python:/job/lib:/more");
    EXPECT_EQ(python_path_with(shim, {{"PYTHONPATH", ""}}, {{"PYTHONPATH", "/host"}}),
              "/ws/runs/r1/.ferry/python");
}

}  // namespace
}  // namespace ferry::run
