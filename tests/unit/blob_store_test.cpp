#include "ferry/store/blob_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/util/sha256.hpp"
#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::entries_of;
using ferry::test::mode_of;
using ferry::test::TempDir;
using ferry::test::write_text;

constexpr std::string_view k_abc_sha =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// The regular files under objects/, tmp/ excluded, as paths relative to it.
std::vector<std::string> blob_files(const fs::path& objects) {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(objects)) {
        const auto relative = fs::relative(entry.path(), objects);
        // Blobs only: not tmp/ nor the lock of gc.
        if (entry.is_regular_file() && *relative.begin() != "tmp" && relative != "gc.lock") {
            files.push_back(relative.string());
        }
    }
    std::ranges::sort(files);
    return files;
}

class BlobStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto initialized = m_store.initialize();
        ASSERT_TRUE(initialized) << initialized.error().message;
    }
    [[nodiscard]] fs::path objects() const { return m_tmp / "objects"; }

    TempDir m_tmp;
    BlobStore m_store{m_tmp / "objects"};
};

TEST_F(BlobStoreTest, InitializeMakesPrivateDirectories) {
    EXPECT_EQ(m_store.directory(), objects());
    EXPECT_TRUE(fs::is_directory(objects() / "tmp"));
    EXPECT_EQ(mode_of(objects()), 0700u);
    EXPECT_EQ(mode_of(objects() / "tmp"), 0700u);
    // Twice is fine.
    EXPECT_TRUE(m_store.initialize());
}

TEST_F(BlobStoreTest, PathOfLayout) {
    EXPECT_EQ(m_store.path_of(k_abc_sha),
              objects() / "ba" / "7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(m_store.path_of(""), fs::path());
    EXPECT_EQ(m_store.path_of("../../etc/passwd"), fs::path());
    EXPECT_EQ(m_store.path_of(std::string(63, 'a')), fs::path());
    EXPECT_EQ(m_store.path_of(std::string(64, 'A')), fs::path());
}

TEST_F(BlobStoreTest, PutBytesStoresContentReadOnly) {
    auto blob = m_store.put_bytes("abc");
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->sha256, k_abc_sha);
    EXPECT_EQ(blob->size, 3u);
    EXPECT_TRUE(blob->added);
    const fs::path path = m_store.path_of(blob->sha256);
    EXPECT_EQ(util::read_file(path).value(), "abc");
    EXPECT_EQ(mode_of(path), 0444u);
    EXPECT_EQ(mode_of(path.parent_path()), 0700u);
    EXPECT_EQ(blob_files(objects()),
              std::vector<std::string>{
                  "ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"});
}

TEST_F(BlobStoreTest, PutBytesTwiceStoresOneFile) {
    auto first = m_store.put_bytes("same bytes");
    auto second = m_store.put_bytes("same bytes");
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(first->sha256, second->sha256);
    EXPECT_EQ(first->sha256, util::Sha256::of("same bytes"));
    EXPECT_EQ(second->size, 10u);
    EXPECT_TRUE(first->added);
    EXPECT_FALSE(second->added);
    EXPECT_EQ(blob_files(objects()).size(), 1u);
    EXPECT_EQ(util::read_file(m_store.path_of(first->sha256)).value(), "same bytes");
}

TEST_F(BlobStoreTest, EmptyBlob) {
    auto blob = m_store.put_bytes("");
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(blob->size, 0u);
    EXPECT_TRUE(m_store.has(blob->sha256));
}

TEST_F(BlobStoreTest, Has) {
    EXPECT_FALSE(m_store.has(k_abc_sha));
    ASSERT_TRUE(m_store.put_bytes("abc"));
    EXPECT_TRUE(m_store.has(k_abc_sha));
    EXPECT_FALSE(m_store.has(util::Sha256::of("abd")));
    EXPECT_FALSE(m_store.has(""));
    EXPECT_FALSE(m_store.has("not a digest"));
    // A directory where a blob would be is not a blob.
    const std::string fake = std::string(64, 'c');
    ASSERT_TRUE(util::create_directories(m_store.path_of(fake), 0700));
    EXPECT_FALSE(m_store.has(fake));
}

TEST_F(BlobStoreTest, PutFileStoresItsContent) {
    const fs::path source = m_tmp / "model.bin";
    std::string content(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) {
        content[i] = static_cast<char>(i % 251);
    }
    write_text(source, content);
    auto blob = m_store.put_file(source);
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->sha256, util::Sha256::of(content));
    EXPECT_EQ(blob->size, content.size());
    EXPECT_TRUE(blob->added);
    EXPECT_EQ(util::read_file(m_store.path_of(blob->sha256)).value(), content);
    // The same bytes by another route are the same blob.
    auto again = m_store.put_bytes(content);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->sha256, blob->sha256);
    EXPECT_FALSE(again->added);
}

TEST_F(BlobStoreTest, PutFileOfAMissingPathNamesIt) {
    const fs::path missing = m_tmp / "no-such-file";
    auto blob = m_store.put_file(missing);
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().message,
              "cannot read " + missing.string() + ": No such file or directory");
    EXPECT_TRUE(entries_of(objects() / "tmp").empty());
}

TEST_F(BlobStoreTest, PutFileOfADirectoryNamesIt) {
    const fs::path dir = m_tmp / "adir";
    ASSERT_TRUE(util::create_directories(dir, 0700));
    auto blob = m_store.put_file(dir);
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().message, "cannot read " + dir.string() + ": Is a directory");
    // The temporary file made before the read failed is gone.
    EXPECT_TRUE(entries_of(objects() / "tmp").empty());
    EXPECT_TRUE(blob_files(objects()).empty());
}

TEST_F(BlobStoreTest, PutFdReadsToTheEnd) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    util::Fd read_end(fds[0]);
    util::Fd write_end(fds[1]);
    std::string content;
    for (int i = 0; i < 50000; ++i) {
        content += "line " + std::to_string(i) + "\n";
    }
    // More than a pipe holds: a writer thread feeds it while put_fd reads.
    std::thread writer([&] {
        std::string_view rest = content;
        while (!rest.empty()) {
            const ssize_t n =
                ::write(write_end.get(), rest.data(), std::min<std::size_t>(rest.size(), 4093));
            if (n <= 0) {
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        write_end.close();
    });
    auto blob = m_store.put_fd(read_end.get(), "standard input");
    writer.join();
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->sha256, util::Sha256::of(content));
    EXPECT_EQ(blob->size, content.size());
    EXPECT_EQ(util::read_file(m_store.path_of(blob->sha256)).value(), content);
}

TEST_F(BlobStoreTest, PutFdErrorNamesWhat) {
    auto blob = m_store.put_fd(-1, "standard input");
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().message, "cannot read standard input: Bad file descriptor");
    EXPECT_TRUE(entries_of(objects() / "tmp").empty());
}

TEST_F(BlobStoreTest, TmpIsLeftEmptyAfterPuts) {
    ASSERT_TRUE(m_store.put_bytes("one"));
    ASSERT_TRUE(m_store.put_bytes("one"));
    ASSERT_TRUE(m_store.put_bytes("two"));
    const fs::path source = m_tmp / "source";
    write_text(source, "three");
    ASSERT_TRUE(m_store.put_file(source));
    ASSERT_TRUE(m_store.put_file(source));
    EXPECT_TRUE(entries_of(objects() / "tmp").empty());
    EXPECT_EQ(blob_files(objects()).size(), 3u);
}

TEST_F(BlobStoreTest, ConcurrentPutsOfTheSameBytesAddItOnce) {
    constexpr int k_threads = 8;
    std::vector<Result<StoredBlob>> results(k_threads, std::unexpected(Error{}));
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] { results[t] = m_store.put_bytes("contended"); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    int added = 0;
    for (const auto& result : results) {
        ASSERT_TRUE(result) << result.error().message;
        EXPECT_EQ(result->sha256, util::Sha256::of("contended"));
        added += result->added ? 1 : 0;
    }
    EXPECT_EQ(added, 1);
    EXPECT_EQ(blob_files(objects()).size(), 1u);
    EXPECT_TRUE(entries_of(objects() / "tmp").empty());
}

TEST(BlobStore, PutBeforeInitializeNamesTheDirectory) {
    TempDir tmp;
    BlobStore store(tmp / "objects");
    auto blob = store.put_bytes("abc");
    ASSERT_FALSE(blob);
    EXPECT_EQ(blob.error().message, "cannot create a file in " +
                                        (tmp / "objects" / "tmp").string() +
                                        ": No such file or directory");
}

// Rewrites a stored blob in place, as a disk or a careless hand might.
void damage(const fs::path& blob, std::string_view bytes) {
    ::chmod(blob.c_str(), 0644);
    write_text(blob, bytes);
    ::chmod(blob.c_str(), 0444);
}

TEST_F(BlobStoreTest, CopyOutWritesAnIntactBlob) {
    ASSERT_TRUE(m_store.put_bytes("abc"));
    const fs::path out = m_tmp / "out";
    util::Fd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    auto copied = m_store.copy_out(k_abc_sha, fd.get(), "a.txt");
    ASSERT_TRUE(copied) << copied.error().message;
    EXPECT_EQ(*copied, 3u);
    EXPECT_EQ(util::read_file(out).value(), "abc");
    EXPECT_EQ(m_store.last_loss_ns(), 0);
    EXPECT_TRUE(m_store.intact(k_abc_sha).value());
}

TEST_F(BlobStoreTest, ADamagedBlobFailsItsCopyIsSetAsideAndIsStoredAgain) {
    ASSERT_TRUE(m_store.put_bytes("abc"));
    const fs::path blob = m_store.path_of(k_abc_sha);
    damage(blob, "abd");  // the same size: only the hash tells
    EXPECT_TRUE(m_store.has(k_abc_sha, 3));
    EXPECT_FALSE(m_store.intact(k_abc_sha).value());
    const fs::path out = m_tmp / "out";
    util::Fd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    auto copied = m_store.copy_out(k_abc_sha, fd.get(), "a.txt");
    ASSERT_FALSE(copied);
    EXPECT_EQ(copied.error().message,
              fmt::format("blob {} of a.txt is damaged (its bytes no longer match their hash); it "
                          "was set aside in {}, and storing the same content again repairs it",
                          k_abc_sha, (objects() / "damaged").string()));
    EXPECT_FALSE(m_store.has(k_abc_sha));
    EXPECT_GT(m_store.last_loss_ns(), 0);
    const auto aside = entries_of(objects() / "damaged");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_TRUE(aside.front().starts_with(std::string(k_abc_sha) + "."));
    // The same content, stored again, is new again and intact.
    auto again = m_store.put_bytes("abc");
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->added);
    EXPECT_TRUE(m_store.intact(k_abc_sha).value());
}

TEST_F(BlobStoreTest, ABlobOfTheWrongSizeIsReplacedByTheNextPut) {
    ASSERT_TRUE(m_store.put_bytes("abc"));
    damage(m_store.path_of(k_abc_sha), "abc and something a job appended");
    EXPECT_FALSE(m_store.has(k_abc_sha, 3));
    auto again = m_store.put_bytes("abc");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_TRUE(again->added);
    EXPECT_EQ(util::read_file(m_store.path_of(k_abc_sha)).value(), "abc");
    EXPECT_EQ(entries_of(objects() / "damaged").size(), 1u);
}

TEST_F(BlobStoreTest, AMissingBlobIsNamedAndNotedAsALoss) {
    util::Fd fd(::open((m_tmp / "out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    auto copied = m_store.copy_out(k_abc_sha, fd.get(), "a.txt");
    ASSERT_FALSE(copied);
    EXPECT_EQ(copied.error().message, fmt::format("blob {} of a.txt is missing from the store: "
                                                  "No such file or directory",
                                                  k_abc_sha));
    EXPECT_GT(m_store.last_loss_ns(), 0);
    EXPECT_FALSE(m_store.intact(k_abc_sha).value());
}

}  // namespace
}  // namespace ferry::store
