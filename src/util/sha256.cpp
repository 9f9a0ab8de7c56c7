#include "ferry/util/sha256.hpp"

#include "ferry/util/text.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "ferry/util/fd.hpp"

namespace ferry::util {

std::optional<std::string> new_secret() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return std::nullopt;
    }
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string secret;
    for (const unsigned char byte : bytes) {
        secret += k_digits[byte >> 4];
        secret += k_digits[byte & 0xf];
    }
    return secret;
}

struct Sha256::State {
    EVP_MD_CTX* ctx = nullptr;
    ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {
    m_state->ctx = EVP_MD_CTX_new();
    // Allocation failure of a digest context is not recoverable for us.
    if (m_state->ctx == nullptr || EVP_DigestInit_ex(m_state->ctx, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("cannot initialise SHA-256");
    }
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
    EVP_DigestUpdate(m_state->ctx, data, size);
}

std::string Sha256::hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_state->ctx, digest, &length);
    std::string hex(length * 2, '\0');
    write_hex({digest, length}, hex.data());
    return hex;
}

std::string Sha256::of(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && std::ranges::all_of(text, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::optional<std::string> sha256_of_file(const std::filesystem::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    return sha256_of_fd(fd.get());
}

std::optional<std::string> sha256_of_fd(int fd) {
    Sha256 hash;
    std::vector<char> buffer(1 << 20);
    off_t offset = 0;
    for (;;) {
        const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), offset);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return std::nullopt;
        }
        if (got == 0) {
            return hash.hex_digest();
        }
        hash.update(buffer.data(), static_cast<std::size_t>(got));
        offset += got;
    }
}

}  // namespace ferry::util
