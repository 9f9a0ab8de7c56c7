// libFuzzer target for MLflow's search grammar, which reaches ferry from the command line
// (run list --filter/--order-by/--columns) and from a job (the endpoint's runs/search): the
// input is parsed as a filter, an order and a list of columns. A parse that succeeds must
// become SQL that SQLite accepts, with exactly as many values as it has parameters, over a
// workspace database of the current schema; an error must name a column within the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

#include "ferry/store/database.hpp"
#include "ferry/store/migrations.hpp"
#include "ferry/track/search.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ferry;

// One database for the whole run, removed at exit.
store::Database& database() {
    static const fs::path path =
        fs::temp_directory_path() / ("ferry-search-fuzz-" + std::to_string(::getpid()) + ".db");
    static store::Database db = [] {
        auto opened = store::Database::open(path, store::CreateIfMissing::yes);
        if (!opened || !store::migrate(*opened, store::workspace_migrations())) {
            std::abort();
        }
        std::atexit([] {
            for (const char* suffix : {"", "-wal", "-shm"}) {
                std::error_code ignored;
                fs::remove(path.string() + suffix, ignored);
            }
        });
        return std::move(*opened);
    }();
    return db;
}

template <typename T>
void check_error(const track::Parsed<T>& parsed, std::string_view text) {
    if (!parsed && (parsed.error().column > text.size() + 1 || parsed.error().message.empty())) {
        std::abort();
    }
}

// The largest N of the ?N parameters in `sql` (whose fragments hold no string literals:
// every value is bound).
std::size_t parameters(std::string_view sql) {
    std::size_t largest = 0;
    for (std::size_t at = sql.find('?'); at != std::string_view::npos; at = sql.find('?', at + 1)) {
        std::size_t number = 0;
        for (std::size_t i = at + 1; i < sql.size() && sql[i] >= '0' && sql[i] <= '9'; ++i) {
            number = number * 10 + static_cast<std::size_t>(sql[i] - '0');
        }
        largest = std::max(largest, number);
    }
    return largest;
}

// The query runs over the (empty) runs table: SQLite parses and plans it whole.
void check_sql(const track::Filter& filter, const track::Order& order) {
    const auto query = track::to_sql(filter, order, 1);
    if (parameters(query.where + query.order_by) != query.values.size()) {
        std::abort();
    }
    std::string sql = "SELECT seq FROM runs";
    if (!query.where.empty()) {
        sql += " WHERE (" + query.where + ")";
    }
    sql += " ORDER BY " + (query.order_by.empty() ? std::string() : query.order_by + ", ") +
           "seq DESC";
    auto statement = database().prepare(sql);
    if (!statement) {
        std::abort();
    }
    track::bind(*statement, query);
    if (!statement->run()) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto filter = track::parse_filter(text);
    check_error(filter, text);
    if (filter) {
        check_sql(*filter, {});
    }
    const auto order = track::parse_order_by(text);
    check_error(order, text);
    if (order) {
        check_sql({}, *order);
    }
    check_error(track::parse_identifiers(text), text);
    return 0;
}
