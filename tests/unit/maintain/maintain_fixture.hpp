#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../run/fake_launcher.hpp"
#include "../test_support.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/record.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/snapshot/walk.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::maintain {

// A workspace with a code directory, and runs whose snapshot is stored from it.
class MaintainTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_dir / "ws", "", "2026-01-01T00:00:00.000Z"));
        auto opened = store::Workspace::open("t", m_dir / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
        test::write_text(code() / "train.py", "print('train')\n");
        test::write_text(code() / "lib/util.py", "x = 1\n");
    }

    [[nodiscard]] fs::path code() const { return m_dir / "code"; }
    store::Workspace& workspace() { return *m_workspace; }
    const store::BlobStore& blobs() { return m_workspace->blobs(); }

    // Stores the code directory as a snapshot; returns its id.
    std::string store_code() {
        auto listing = snapshot::list_tree(code(), snapshot::IgnoreFiles::honoured);
        EXPECT_TRUE(listing) << listing.error().message;
        auto stored =
            snapshot::store_snapshot(*m_workspace, *listing, 1 << 30, "2026-01-01T00:00:00.000Z");
        EXPECT_TRUE(stored) << stored.error().message;
        return stored ? stored->id : std::string();
    }

    // A run of the code directory, as submit records it.
    void add_run(const std::string& name) {
        run::NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = "local";
        run.snapshot = store_code();
        run.spec = {{"code", code().string()}};
        run.plan = run::Json::object();
        run.directory = m_dir / "ws" / "runs" / name;
        auto inserted = run::insert_run(m_workspace->db(), run, {"2026-01-01T00:00:00.000Z", 0});
        ASSERT_TRUE(inserted) << inserted.error().message;
    }

    // The sha256 of a file's bytes as stored: the blob of code/PATH.
    static std::string sha_of(std::string_view text) { return util::Sha256::of(text); }

    // Overwrites a blob's bytes (blobs are read-only).
    void damage(const std::string& sha256, std::string_view bytes) {
        const fs::path path = blobs().path_of(sha256);
        ::chmod(path.c_str(), 0644);
        test::write_text(path, bytes);
    }

    test::TempDir m_dir;
    std::optional<store::Workspace> m_workspace;
};

}  // namespace ferry::maintain
