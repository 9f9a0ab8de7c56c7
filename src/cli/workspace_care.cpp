// `workspace verify` and `workspace gc`: the verbs that look after a workspace's store.
#include <string>

#include "ferry/cli/command_tree.hpp"
#include "ferry/maintain/gc.hpp"
#include "ferry/maintain/verify.hpp"
#include "ferry/output/render.hpp"
#include "ferry/util/text.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

struct VerifyOptions {
    bool repair = false;
};

struct GcOptions {
    bool dry_run = false;
    int older_than = maintain::k_default_cache_days;
};

Json fault_record(const maintain::Fault& fault) {
    return {{"kind", maintain::fault_kind_name(fault.kind)},
            {"record", fault.holder},
            {"blob", fault.blob},
            {"path", fault.path},
            {"detail", fault.detail},
            {"repaired", fault.repaired},
            {"repair", fault.repair}};
}

Result<void> verify(Context& ctx, const VerifyOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    const CommandSeams seams(ctx);
    TRY_ASSIGN(const auto report,
               maintain::verify(workspace, seams.get(),
                                options.repair ? maintain::Repair::yes : maintain::Repair::no,
                                stamp(ctx).text));
    std::uint64_t repaired = 0;
    Json faults = Json::array();
    for (const auto& fault : report.faults) {
        repaired += fault.repaired ? 1 : 0;
        faults.push_back(fault_record(fault));
        if (ctx.format == OutputFormat::table) {
            ctx.out << maintain::describe(fault) << '\n';
        }
    }
    if (ctx.format != OutputFormat::table) {
        output::print_document(
            ctx,
            Json{{"workspace", workspace.name()},
                 {"intact", report.intact()},
                 {"repair", options.repair},
                 {"checked",
                  {{"records", report.holders}, {"blobs", report.blobs}, {"runs", report.runs}}},
                 {"faults", std::move(faults)}});
    }
    ctx.err << fmt::format(
        "ferry: workspace '{}': {} records, {} blobs and {} unfinished runs checked; {} "
        "fault{}{}\n",
        workspace.name(), report.holders, report.blobs, report.runs, report.faults.size(),
        report.faults.size() == 1 ? "" : "s",
        options.repair ? fmt::format(", {} repaired", repaired) : std::string());
    if (!report.intact()) {
        return std::unexpected(exit_status(1));
    }
    return {};
}

Json reclaimed_record(const maintain::Reclaimed& reclaimed) {
    return {{"files", reclaimed.files}, {"bytes", reclaimed.bytes}};
}

Result<void> gc(Context& ctx, const GcOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto report, maintain::collect_garbage(
                                      workspace, {options.dry_run, options.older_than}, ctx.now()));
    const std::pair<const char*, const maintain::Reclaimed*> parts[] = {
        {"orphaned_blobs", &report.orphans},
        {"temporary_files", &report.temporary},
        {"damaged_blobs", &report.damaged},
        {"caches", &report.caches}};
    const auto total = report.total();
    if (ctx.format == OutputFormat::table) {
        Json rows = Json::array();
        for (const auto& [what, reclaimed] : parts) {
            rows.push_back({{"what", what},
                            {"files", reclaimed->files},
                            {"bytes", util::human_bytes(reclaimed->bytes)}});
        }
        rows.push_back(
            {{"what", "total"}, {"files", total.files}, {"bytes", util::human_bytes(total.bytes)}});
        static const output::Column k_columns[] = {
            {"what", "RECLAIMED"}, {"files", "FILES"}, {"bytes", "BYTES"}};
        output::print_list(ctx, rows, k_columns);
    } else {
        Json record{{"workspace", workspace.name()}, {"dry_run", options.dry_run}};
        for (const auto& [what, reclaimed] : parts) {
            record[what] = reclaimed_record(*reclaimed);
        }
        record["total"] = reclaimed_record(total);
        record["kept_blobs"] = report.kept;
        output::print_document(ctx, record);
    }
    ctx.err << fmt::format("ferry: {} {} files ({}); {} blobs are in use\n",
                           options.dry_run ? "would reclaim" : "reclaimed",
                           util::with_thousands(total.files), util::human_bytes(total.bytes),
                           util::with_thousands(report.kept));
    return {};
}

}  // namespace

void add_workspace_care_verbs(CommandTree& tree, CLI::App* group) {
    tree.add_verb<VerifyOptions>(
        group, "verify",
        "Check the database, every blob a record names, manifests and live runs (exit 1 when "
        "damaged)",
        [](CLI::App& app, VerifyOptions& o) {
            app.add_flag("--repair", o.repair,
                         "Set damaged blobs aside, store missing ones again from their sources "
                         "where these still hold the bytes, end runs whose supervisor is gone");
        },
        verify);
    tree.add_verb<GcOptions>(
        group, "gc",
        "Remove blobs no record names, stale temporary files, damaged blobs and unused caches",
        [](CLI::App& app, GcOptions& o) {
            app.add_flag("--dry-run", o.dry_run, "Only say what would be removed");
            app.add_option("--older-than", o.older_than,
                           "Remove caches unused for DAYS days (default 30)")
                ->type_name("DAYS")
                ->check(CLI::Range(0, 100000));
        },
        gc);
}

}  // namespace ferry::cli
