#pragma once

#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "ferry/store/workspace.hpp"
#include "test_support.hpp"

namespace ferry::test {

// A test over a fresh workspace, initialized and opened in a temporary directory. A fixture
// with a SetUp of its own calls this one first.
class WorkspaceTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_dir.path(), "", "2026-01-01T00:00:00.000Z"));
        auto opened = store::Workspace::open("t", m_dir.path());
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    TempDir m_dir;
    std::optional<store::Workspace> m_workspace;
};

}  // namespace ferry::test
