#include "ferry/maintain/verify.hpp"

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maintain_fixture.hpp"

namespace ferry::maintain {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Verify : public MaintainTest {
protected:
    VerifyReport verify_now(Repair repair, std::int64_t at_ms = 0) {
        test::FakeClock clock;
        clock.stamp_from = [at_ms] { return run::Stamp{"2026-01-01T00:00:00.000Z", at_ms}; };
        test::FakeRunner runner;
        const run::Host host{.machine = run::machine_id()};
        run::SystemLog log(nullptr, clock);
        auto report = verify(workspace(), run::Seams{runner, host, clock, log}, repair,
                             "2026-01-02T00:00:00.000Z");
        EXPECT_TRUE(report) << report.error().message;
        return report ? *report : VerifyReport{};
    }
};

TEST_F(Verify, AWorkspaceWithARunIsIntact) {
    add_run("r");
    const auto report = verify_now(Repair::no);
    EXPECT_TRUE(report.faults.empty()) << describe(report.faults.front());
    EXPECT_TRUE(report.intact());
    EXPECT_EQ(report.holders, 1U);
    EXPECT_EQ(report.blobs, 3U);  // the manifest and two files
}

TEST_F(Verify, AMissingBlobIsFoundAndStoredAgainFromTheCodeDirectory) {
    add_run("r");
    const std::string sha = sha_of("x = 1\n");
    ASSERT_EQ(::unlink(blobs().path_of(sha).c_str()), 0);

    auto report = verify_now(Repair::no);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_FALSE(report.intact());
    const Fault& found = report.faults.front();
    EXPECT_EQ(found.kind, FaultKind::missing_blob);
    EXPECT_EQ(found.holder, "run r (snapshot)");
    EXPECT_EQ(found.path, "lib/util.py");
    EXPECT_EQ(
        describe(found),
        fmt::format("run r (snapshot): a file's blob is missing (blob {}, lib/util.py)", sha));

    report = verify_now(Repair::yes);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_TRUE(report.faults.front().repaired);
    EXPECT_EQ(report.faults.front().repair,
              "stored again from " + (code() / "lib/util.py").string());
    EXPECT_TRUE(report.intact());
    EXPECT_TRUE(blobs().has(sha, 6));
    EXPECT_TRUE(verify_now(Repair::no).faults.empty());
}

TEST_F(Verify, ADamagedBlobWhoseSourceChangedIsSetAsideAndReportedUnrepaired) {
    add_run("r");
    const std::string sha = sha_of("print('train')\n");
    damage(sha, "print('trian')\n");
    test::write_text(code() / "train.py", "print('changed')\n");

    auto report = verify_now(Repair::yes);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_EQ(report.faults.front().kind, FaultKind::damaged_blob);
    EXPECT_FALSE(report.faults.front().repaired);
    EXPECT_EQ(report.faults.front().repair,
              "set aside in objects/damaged/; no source file holds these bytes any more");
    EXPECT_FALSE(report.intact());
    EXPECT_FALSE(blobs().has(sha));
    EXPECT_EQ(test::entries_of(blobs().directory() / "damaged").size(), 1U);
    // Now missing: said so, and still not repaired.
    report = verify_now(Repair::no);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_EQ(report.faults.front().kind, FaultKind::missing_blob);
}

TEST_F(Verify, ATruncatedManifestIsDamagedAndCannotBeRebuilt) {
    add_run("r");
    auto run = run::find_run(workspace().db(), "r");
    ASSERT_TRUE(run && *run);
    const std::string manifest = (*run)->snapshot;
    damage(manifest, "100644 6 ");

    auto report = verify_now(Repair::yes);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_EQ(report.faults.front().kind, FaultKind::damaged_blob);
    EXPECT_EQ(report.faults.front().blob, manifest);
    EXPECT_EQ(describe(report.faults.front()),
              fmt::format("run r (snapshot): its manifest does not match its hash (blob {}); not "
                          "repaired: set aside in objects/damaged/; a manifest cannot be rebuilt: "
                          "the files it listed are unknown",
                          manifest));
    EXPECT_FALSE(blobs().has(manifest));
}

TEST_F(Verify, ARunLiveWithoutASupervisorIsStaleAndRepairEndsIt) {
    add_run("r");
    auto moved = run::transition(workspace().db(), "r", {run::Status::not_started},
                                 run::Status::running, {"2026-01-01T00:00:00.000Z", 0});
    ASSERT_TRUE(moved && *moved);
    // The pid of this test's parent's child that exited: none of ours lives under it.
    ASSERT_TRUE(run::set_supervisor(workspace().db(), "r", 0x3ffffff, run::machine_id(),
                                    {"2026-01-01T00:00:00.000Z", 0}));

    auto report = verify_now(Repair::no, 1000);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_EQ(report.faults.front().kind, FaultKind::stale_run);
    EXPECT_EQ(describe(report.faults.front()),
              "run r: Running without a live supervisor (pid 67108863 is gone)");
    EXPECT_EQ(report.runs, 1U);

    report = verify_now(Repair::yes, 1000);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_TRUE(report.faults.front().repaired);
    EXPECT_THAT(report.faults.front().repair, StartsWith("ended Failed"));
    auto ended = run::find_run(workspace().db(), "r");
    ASSERT_TRUE(ended && *ended);
    EXPECT_EQ((*ended)->status, run::Status::failed);
    EXPECT_THAT((*ended)->error, HasSubstr("supervisor lost"));
}

TEST_F(Verify, ADanglingReferenceIsADatabaseFault) {
    add_run("r");
    const std::string nowhere(64, 'a');
    ASSERT_TRUE(workspace().db().exec("PRAGMA foreign_keys=OFF"));
    ASSERT_TRUE(workspace().db().execute("UPDATE runs SET artifacts = ?1", nowhere));

    const auto report = verify_now(Repair::no);
    ASSERT_EQ(report.faults.size(), 2U);
    EXPECT_EQ(report.faults[0].kind, FaultKind::database);
    EXPECT_EQ(describe(report.faults[0]),
              "workspace.db: row 1 of runs names a missing row of blobs");
    EXPECT_EQ(report.faults[1].kind, FaultKind::missing_blob);
    EXPECT_EQ(report.faults[1].holder, "run r (artifacts)");
}

TEST_F(Verify, RepairLeavesADatabaseFaultToABackup) {
    add_run("r");
    ASSERT_TRUE(workspace().db().exec("PRAGMA foreign_keys=OFF"));
    ASSERT_TRUE(workspace().db().execute("UPDATE runs SET artifacts = ?1", std::string(64, 'a')));
    const auto report = verify_now(Repair::yes);
    ASSERT_FALSE(report.faults.empty());
    EXPECT_EQ(describe(report.faults[0]),
              "workspace.db: row 1 of runs names a missing row of blobs; not repaired: restore "
              "workspace.db from a backup");
    EXPECT_FALSE(report.intact());
}

TEST_F(Verify, ADatasetsMissingBlobIsStoredAgainFromItsFolder) {
    add_run("r");
    // A dataset version of the same folder shares the blobs: one repair serves both.
    auto run = run::find_run(workspace().db(), "r");
    ASSERT_TRUE(run && *run);
    ASSERT_TRUE(workspace().db().execute(
        "INSERT INTO assets(kind, name, version, body, created_at) VALUES ('data', 'd', '1', "
        "?1, '2026')",
        run::Json{{"paths", {code().string()}}, {"content", (*run)->snapshot}}.dump()));
    const std::string sha = sha_of("print('train')\n");
    ASSERT_EQ(::unlink(blobs().path_of(sha).c_str()), 0);

    const auto report = verify_now(Repair::yes);
    ASSERT_EQ(report.faults.size(), 2U);
    EXPECT_EQ(report.faults[0].holder, "run r (snapshot)");
    EXPECT_EQ(report.faults[1].holder, "dataset d:1");
    EXPECT_TRUE(report.intact());
    EXPECT_EQ(report.blobs, 3U);  // each blob read once
}

TEST_F(Verify, AComponentsMissingBlobIsStoredAgainFromItsCode) {
    ASSERT_TRUE(workspace().db().execute(
        "INSERT INTO assets(kind, name, version, body, created_at) VALUES ('component', 'c', "
        "'1', ?1, '2026')",
        run::Json{{"spec", {{"name", "c"}, {"code", code().string()}}}, {"snapshot", store_code()}}
            .dump()));
    const std::string sha = sha_of("x = 1\n");
    ASSERT_EQ(::unlink(blobs().path_of(sha).c_str()), 0);

    const auto report = verify_now(Repair::yes);
    ASSERT_EQ(report.faults.size(), 1U);
    EXPECT_EQ(report.faults[0].holder, "component c:1");
    EXPECT_EQ(report.faults[0].repair, "stored again from " + (code() / "lib/util.py").string());
    EXPECT_TRUE(report.intact());
    EXPECT_EQ(report.holders, 1U);
}

}  // namespace
}  // namespace ferry::maintain
