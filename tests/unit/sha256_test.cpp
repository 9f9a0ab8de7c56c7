#include "ferry/util/sha256.hpp"

#include <cstddef>
#include <string>

#include <gtest/gtest.h>

namespace ferry::util {
namespace {

TEST(Sha256, EmptyString) {
    EXPECT_EQ(Sha256::of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, Abc) {
    EXPECT_EQ(Sha256::of("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage) {
    EXPECT_EQ(Sha256::of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, EmptyUpdateChangesNothing) {
    Sha256 hasher;
    hasher.update("");
    hasher.update(nullptr, 0);
    hasher.update("abc");
    hasher.update("");
    EXPECT_EQ(hasher.hex_digest(), Sha256::of("abc"));
}

TEST(Sha256, OneMebibyteInUnevenChunksEqualsOneShot) {
    std::string data(std::size_t{1} << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>((i * 7919 + i / 251) & 0xff);
    }
    const std::string one_shot = Sha256::of(data);

    Sha256 hasher;
    std::size_t offset = 0;
    std::size_t chunk = 1;
    while (offset < data.size()) {
        const std::size_t size = std::min(chunk, data.size() - offset);
        hasher.update(data.data() + offset, size);
        offset += size;
        chunk = chunk * 3 + 1;  // 1, 4, 13, 40, ... never a multiple of the block size
        if (chunk > 100000) {
            chunk = 17;
        }
    }
    EXPECT_EQ(hasher.hex_digest(), one_shot);
    EXPECT_TRUE(is_sha256_hex(one_shot));
}

TEST(Sha256, MillionAs) {
    // FIPS 180-2 test vector: one million repetitions of 'a'.
    EXPECT_EQ(Sha256::of(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, MovedHasherKeepsState) {
    Sha256 first;
    first.update("ab");
    Sha256 second(std::move(first));
    second.update("c");
    EXPECT_EQ(second.hex_digest(), Sha256::of("abc"));
}

TEST(IsSha256Hex, AcceptsLowercaseHexOf64) {
    EXPECT_TRUE(is_sha256_hex(std::string(64, '0')));
    EXPECT_TRUE(is_sha256_hex(Sha256::of("abc")));
    EXPECT_TRUE(is_sha256_hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
}

TEST(IsSha256Hex, RejectsOtherText) {
    EXPECT_FALSE(is_sha256_hex(""));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
    EXPECT_FALSE(is_sha256_hex(std::string(65, 'a')));
    EXPECT_FALSE(is_sha256_hex(std::string(64, 'A')));  // uppercase is not our spelling
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + "g"));
    EXPECT_FALSE(is_sha256_hex(std::string(63, 'a') + " "));
    EXPECT_FALSE(is_sha256_hex("../" + std::string(61, 'a')));
}

}  // namespace
}  // namespace ferry::util
