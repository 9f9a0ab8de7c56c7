#include "ferry/snapshot/code.hpp"

#include "ferry/snapshot/ferry_data.hpp"
#include "ferry/util/time.hpp"

namespace ferry::snapshot {

Result<std::uint64_t> code_limit(const Context& ctx, std::string_view flag) {
    return resolve_limit(flag, ctx.env.get("FERRY_SNAPSHOT_LIMIT"));
}

Result<Listing> list_code(const Context& ctx, const std::filesystem::path& code,
                          std::uint64_t limit) {
    // Every workspace (this one too) and FERRY_HOME: else they would be stored into themselves.
    TRY_ASSIGN(const auto ferry_data, ferry_directories(ctx.env));
    TRY_ASSIGN(auto listing, list_tree(code, IgnoreFiles::honoured, ferry_data));
    TRY(require_files(listing));
    for (const auto& warning : listing_warnings(listing)) {
        ctx.warn(warning);
    }
    TRY(check_limit(listing, limit));
    return listing;
}

Result<SnapshotCost> store_code(const Context& ctx, store::Workspace& workspace,
                                const Listing& listing, std::uint64_t limit,
                                const StoreProgress& progress) {
    TRY_ASSIGN(auto cost,
               store_snapshot(workspace, listing, limit, util::format_utc(ctx.now()), progress));
    // For people at a terminal; scripts get a quiet stderr (-v says it anyway).
    if (ctx.terminal.stderr_is_tty || ctx.verbose) {
        ctx.err << describe(cost) << '\n';
    }
    return cost;
}

}  // namespace ferry::snapshot
