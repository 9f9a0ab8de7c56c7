#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::util {

// A secret of 32 random bytes, in hex (OpenSSL's RAND_bytes): a token; nullopt when the machine
// gives no randomness.
[[nodiscard]] std::optional<std::string> new_secret();

// An incremental SHA-256 (OpenSSL libcrypto underneath).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(const void* data, std::size_t size);
    void update(std::string_view data) { update(data.data(), data.size()); }
    // Lowercase hex of the digest; the object cannot be updated afterwards.
    [[nodiscard]] std::string hex_digest();

    [[nodiscard]] static std::string of(std::string_view data);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

[[nodiscard]] bool is_sha256_hex(std::string_view text);

// The sha256 of a file, read in pieces (files can be larger than memory); nullopt when it
// cannot be read.
[[nodiscard]] std::optional<std::string> sha256_of_file(const std::filesystem::path& path);
// The sha256 of what the open file `fd` holds, read from its start whatever its offset.
[[nodiscard]] std::optional<std::string> sha256_of_fd(int fd);

}  // namespace ferry::util
