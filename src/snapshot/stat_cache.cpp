#include "ferry/snapshot/stat_cache.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "ferry/util/fs.hpp"

namespace ferry::snapshot {

namespace {

constexpr std::string_view k_magic = "ferry-stat-cache 1\n";
constexpr std::size_t k_digest_bytes = 32;

template <typename T>
void put(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

void put_text(std::string& out, std::string_view text) {
    put(out, static_cast<std::uint32_t>(text.size()));
    out.append(text);
}

// Reads fixed-size fields from a buffer; any overrun makes the whole read fail.
class Reader {
public:
    explicit Reader(std::string_view data) : m_data(data) {}
    template <typename T>
    bool get(T& value) {
        if (m_data.size() < sizeof(T)) {
            return false;
        }
        std::memcpy(&value, m_data.data(), sizeof(T));
        m_data.remove_prefix(sizeof(T));
        return true;
    }
    bool get_text(std::string& text, std::size_t size) {
        if (m_data.size() < size) {
            return false;
        }
        text.assign(m_data.substr(0, size));
        m_data.remove_prefix(size);
        return true;
    }
    bool get_text(std::string& text) {
        std::uint32_t size = 0;
        return get(size) && get_text(text, size);
    }
    [[nodiscard]] bool done() const { return m_data.empty(); }

private:
    std::string_view m_data;
};

std::string to_hex(std::string_view raw) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(raw.size() * 2);
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        hex += k_digits[byte >> 4];
        hex += k_digits[byte & 15];
    }
    return hex;
}

std::string to_raw(std::string_view hex) {
    std::string raw;
    raw.reserve(hex.size() / 2);
    const auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        raw += static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1]));
    }
    return raw;
}

}  // namespace

StatCache StatCache::load(const std::filesystem::path& file, std::string_view root) {
    StatCache cache;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return cache;
    }
    auto data = util::read_file(file);
    if (!data || !std::string_view(*data).starts_with(k_magic)) {
        return cache;
    }
    Reader reader(std::string_view(*data).substr(k_magic.size()));
    std::string recorded_root;
    std::uint32_t count = 0;
    if (!reader.get_text(recorded_root) || recorded_root != root || !reader.get(count)) {
        return cache;
    }
    std::vector<CachedDigest> entries;
    entries.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        CachedDigest entry;
        std::string raw;
        if (!reader.get_text(entry.path) || !reader.get(entry.stat.size) ||
            !reader.get(entry.stat.mtime_ns) || !reader.get(entry.stat.ctime_ns) ||
            !reader.get(entry.stat.inode) || !reader.get_text(raw, k_digest_bytes)) {
            return cache;
        }
        entry.sha256 = to_hex(raw);
        if (!entries.empty() && entries.back().path >= entry.path) {
            return cache;
        }
        entries.push_back(std::move(entry));
    }
    if (!reader.done()) {
        return cache;
    }
    cache.m_entries = std::move(entries);
    cache.m_written_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return cache;
}

Result<void> StatCache::save(const std::filesystem::path& file, std::string_view root,
                             const std::vector<CachedDigest>& entries) {
    std::string data(k_magic);
    data.reserve(entries.size() * 96);
    put_text(data, root);
    put(data, static_cast<std::uint32_t>(entries.size()));
    for (const auto& entry : entries) {
        put_text(data, entry.path);
        put(data, entry.stat.size);
        put(data, entry.stat.mtime_ns);
        put(data, entry.stat.ctime_ns);
        put(data, entry.stat.inode);
        data += to_raw(entry.sha256);
    }
    if (auto made = util::create_directories(file.parent_path(), 0700); !made) {
        return made;
    }
    // A cache is only a hint: losing it to a crash costs a re-read, not correctness.
    return util::write_file_atomic(file, data, 0600, util::Durable::no);
}

std::optional<std::string> StatCache::lookup(std::string_view path, const StatKey& stat) const {
    const auto found = std::ranges::lower_bound(m_entries, path, {}, &CachedDigest::path);
    if (found == m_entries.end() || found->path != path || !(found->stat == stat) ||
        stat.mtime_ns >= m_written_ns) {
        return std::nullopt;
    }
    return found->sha256;
}

}  // namespace ferry::snapshot
