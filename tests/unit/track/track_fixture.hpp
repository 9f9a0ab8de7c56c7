#pragma once

#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/run/record.hpp"

namespace ferry::test {

// A workspace with one run, "r", not started yet, in experiment "exp".
class TrackTest : public WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        add_run("r");
    }

    // Another run of experiment "exp", not started yet.
    void add_run(const std::string& name) {
        run::NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = "local";
        run.directory = m_dir / "runs" / name;
        ASSERT_TRUE(run::insert_run(db(), run, {"2026-01-01T00:00:00.000Z", 0}));
    }

    // Ends "r" Completed.
    void complete() {
        run::Ending ending;
        ending.status = run::Status::completed;
        ending.exit_code = 0;
        ASSERT_TRUE(run::finish(db(), "r", ending, {"2026-01-01T00:00:01.000Z", 1000}));
    }
};

}  // namespace ferry::test
