#include "ferry/snapshot/stat_cache.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"

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
    bool get_view(std::string_view& view, std::size_t size) {
        if (m_data.size() < size) {
            return false;
        }
        view = m_data.substr(0, size);
        m_data.remove_prefix(size);
        return true;
    }
    bool get_text(std::string_view& view) {
        std::uint32_t size = 0;
        return get(size) && get_view(view, size);
    }
    [[nodiscard]] bool done() const { return m_data.empty(); }

private:
    std::string_view m_data;
};

HexDigest to_hex(const char* raw) {
    HexDigest hex;
    util::write_hex({reinterpret_cast<const unsigned char*>(raw), k_digest_bytes}, hex.data());
    return hex;
}

void append_raw(std::string& out, const HexDigest& hex) {
    const auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out += static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1]));
    }
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
    cache.m_data = std::move(*data);
    Reader reader(std::string_view(cache.m_data).substr(k_magic.size()));
    std::string_view recorded_root;
    std::uint32_t count = 0;
    if (!reader.get_text(recorded_root) || recorded_root != root || !reader.get(count)) {
        return {};
    }
    // A damaged count must not ask for more than the file could hold.
    constexpr std::size_t k_smallest_entry = 4 + 4 * 8 + k_digest_bytes;
    cache.m_entries.reserve(std::min<std::size_t>(count, cache.m_data.size() / k_smallest_entry));
    for (std::uint32_t i = 0; i < count; ++i) {
        Slot slot{};
        std::string_view digest;
        if (!reader.get_text(slot.path) || !reader.get(slot.stat.size) ||
            !reader.get(slot.stat.mtime_ns) || !reader.get(slot.stat.ctime_ns) ||
            !reader.get(slot.stat.inode) || !reader.get_view(digest, k_digest_bytes) ||
            (!cache.m_entries.empty() && cache.m_entries.back().path >= slot.path)) {
            return {};
        }
        slot.digest = digest.data();
        cache.m_entries.push_back(slot);
    }
    if (!reader.done()) {
        return {};
    }
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
        append_raw(data, entry.sha256);
    }
    // cache/ and cache/stat/ are private, like the rest of the workspace.
    for (const auto& dir : {file.parent_path().parent_path(), file.parent_path()}) {
        TRY(util::create_directories(dir, 0700));
    }
    // A cache is only a hint: losing it to a crash costs a re-read, not correctness.
    return util::write_file_atomic(file, data, 0600, util::Durable::no);
}

std::optional<HexDigest> StatCache::lookup(std::string_view path, const StatKey& stat) const {
    // A snapshot asks in path order: search on from the last answer.
    auto from = m_entries.begin() + static_cast<std::ptrdiff_t>(m_next);
    if (from != m_entries.begin() && std::prev(from)->path >= path) {
        from = m_entries.begin();
    }
    const auto found = std::ranges::lower_bound(from, m_entries.end(), path, {}, &Slot::path);
    m_next = static_cast<std::size_t>(found - m_entries.begin());
    if (found == m_entries.end() || found->path != path || !(found->stat == stat) ||
        stat.mtime_ns >= m_written_ns) {
        return std::nullopt;
    }
    return to_hex(found->digest);
}

}  // namespace ferry::snapshot
