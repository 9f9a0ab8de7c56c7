#include "ferry/maintain/verify.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "ferry/maintain/holders.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/status.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::maintain {

namespace {

enum class BlobState { intact, missing, damaged };

struct Fix {
    bool repaired = false;
    std::string repair;
};

class Verifier {
public:
    Verifier(store::Workspace& workspace, Repair repair, std::string_view now, VerifyReport& report)
        : m_workspace(workspace), m_repair(repair), m_now(now), m_report(report) {}

    Result<void> check_database();
    Result<void> check_holder(const Holder& holder);
    Result<void> check_runs(const run::Seams& seams);

private:
    Result<BlobState> state_of(const std::string& sha256);
    Result<Fix> fix_blob(const Holder& holder, const snapshot::ManifestEntry& entry,
                         BlobState state);
    Result<std::optional<fs::path>> restore(const Holder& holder,
                                            const snapshot::ManifestEntry& entry);

    store::Workspace& m_workspace;
    Repair m_repair;
    std::string m_now;
    VerifyReport& m_report;
    std::map<std::string, BlobState, std::less<>> m_states;
    std::map<std::string, Fix, std::less<>> m_fixes;
};

Result<void> Verifier::check_database() {
    auto& db = m_workspace.db();
    TRY_ASSIGN(auto integrity, db.query_all("PRAGMA integrity_check", store::first_text));
    const std::string not_repaired =
        m_repair == Repair::yes ? "restore workspace.db from a backup" : "";
    if (!(integrity.size() == 1 && integrity.front() == "ok")) {
        for (auto& line : integrity) {
            m_report.faults.push_back(
                {FaultKind::database, "", "", "", "integrity check: " + line, false, not_repaired});
        }
    }
    TRY_ASSIGN(auto dangling,
               db.query_all("PRAGMA foreign_key_check", [](const store::Statement& row) {
                   return fmt::format("row {} of {} names a missing row of {}", row.text(1),
                                      row.text(0), row.text(2));
               }));
    for (auto& line : dangling) {
        m_report.faults.push_back({FaultKind::database, "", "", "", line, false, not_repaired});
    }
    return {};
}

Result<BlobState> Verifier::state_of(const std::string& sha256) {
    if (auto known = m_states.find(sha256); known != m_states.end()) {
        return known->second;
    }
    const auto& blobs = m_workspace.blobs();
    BlobState state = BlobState::missing;
    if (!blobs.path_of(sha256).empty()) {
        TRY_ASSIGN(const bool intact, blobs.intact(sha256));
        state = intact ? BlobState::intact
                       : (blobs.has(sha256) ? BlobState::damaged : BlobState::missing);
        m_report.blobs += 1;
    }
    m_states.emplace(sha256, state);
    return state;
}

Result<std::optional<fs::path>> Verifier::restore(const Holder& holder,
                                                  const snapshot::ManifestEntry& entry) {
    for (const auto& candidate : source_candidates(holder, entry.path)) {
        if (util::sha256_of_file(candidate) != entry.sha256) {
            continue;
        }
        auto stored = m_workspace.put_blob_file(candidate, m_now);
        if (stored && stored->sha256 == entry.sha256) {
            return candidate;
        }
    }
    return std::optional<fs::path>{};
}

Result<Fix> Verifier::fix_blob(const Holder& holder, const snapshot::ManifestEntry& entry,
                               BlobState state) {
    if (auto done = m_fixes.find(entry.sha256); done != m_fixes.end()) {
        return done->second;
    }
    Fix fix;
    std::string aside;
    if (state == BlobState::damaged) {
        TRY(m_workspace.blobs().set_aside(entry.sha256));
        aside = "set aside in objects/damaged/; ";
    }
    TRY_ASSIGN(auto source, restore(holder, entry));
    if (source) {
        fix = {true, aside + "stored again from " + source->string()};
    } else {
        fix = {false, aside + (holder.sources.empty()
                                   ? std::string("its source is not known")
                                   : std::string("no source file holds these bytes any more"))};
    }
    m_fixes.emplace(entry.sha256, fix);
    return fix;
}

Result<void> Verifier::check_holder(const Holder& holder) {
    m_report.holders += 1;
    TRY_ASSIGN(const auto manifest_state, state_of(holder.manifest));
    if (manifest_state != BlobState::intact) {
        Fault fault{manifest_state == BlobState::missing ? FaultKind::missing_blob
                                                         : FaultKind::damaged_blob,
                    holder.label,
                    holder.manifest,
                    "",
                    manifest_state == BlobState::missing ? "its manifest is missing"
                                                         : "its manifest does not match its hash",
                    false,
                    ""};
        if (m_repair == Repair::yes) {
            if (manifest_state == BlobState::damaged && !m_fixes.contains(holder.manifest)) {
                TRY(m_workspace.blobs().set_aside(holder.manifest));
                m_fixes.emplace(holder.manifest, Fix{false, "set aside in objects/damaged/; "});
            }
            fault.repair = (manifest_state == BlobState::damaged ? std::string("set aside in "
                                                                               "objects/damaged/; ")
                                                                 : std::string()) +
                           "a manifest cannot be rebuilt: the files it listed are unknown";
        }
        m_report.faults.push_back(std::move(fault));
        return {};
    }
    auto entries = read_manifest(m_workspace.blobs(), holder);
    if (!entries) {
        m_report.faults.push_back({FaultKind::bad_manifest, holder.label, holder.manifest, "",
                                   "its manifest does not parse: " + entries.error().message, false,
                                   m_repair == Repair::yes ? "nothing to rebuild it from" : ""});
        return {};
    }
    for (const auto& entry : *entries) {
        if (entry.is_link()) {
            continue;
        }
        TRY_ASSIGN(const auto state, state_of(entry.sha256));
        if (state == BlobState::intact) {
            continue;
        }
        const bool missing = state == BlobState::missing;
        Fault fault{missing ? FaultKind::missing_blob : FaultKind::damaged_blob,
                    holder.label,
                    entry.sha256,
                    entry.path,
                    missing ? "a file's blob is missing" : "a file's blob does not match its hash",
                    false,
                    ""};
        if (m_repair == Repair::yes) {
            TRY_ASSIGN(const auto fix, fix_blob(holder, entry, state));
            fault.repaired = fix.repaired;
            fault.repair = fix.repair;
        }
        m_report.faults.push_back(std::move(fault));
    }
    return {};
}

Result<void> Verifier::check_runs(const run::Seams& seams) {
    auto& db = m_workspace.db();
    TRY_ASSIGN(const auto runs, run::unfinished_runs(db));
    std::vector<std::size_t> stale;
    for (const auto& one : runs) {
        m_report.runs += 1;
        if (run::supervisor_liveness(one, seams.host.machine, seams.clock.stamp().ms) !=
            run::Liveness::lost) {
            continue;
        }
        stale.push_back(m_report.faults.size());
        m_report.faults.push_back(
            {FaultKind::stale_run, "run " + one.name, "", "",
             fmt::format("{} without a live supervisor{}", run::status_name(one.status),
                         one.supervisor_pid ? fmt::format(" (pid {} is gone)", *one.supervisor_pid)
                                            : std::string(" (it never started)")),
             false, ""});
    }
    if (m_repair == Repair::no || stale.empty()) {
        return {};
    }
    TRY(run::reap_lost_runs(m_workspace, seams));
    for (const auto index : stale) {
        Fault& fault = m_report.faults[index];
        TRY_ASSIGN(const auto now, run::find_run(db, fault.holder.substr(4)));
        fault.repaired = now && run::is_terminal(now->status);
        fault.repair = fault.repaired ? fmt::format("ended {}: supervisor lost; its files stored",
                                                    run::status_name(now->status))
                                      : std::string("it could not be ended");
    }
    return {};
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
    static constexpr std::array<std::string_view, 5> k_names = {
        "database", "missing_blob", "damaged_blob", "bad_manifest", "stale_run"};
    return k_names[static_cast<std::size_t>(kind)];
}

bool VerifyReport::intact() const {
    return std::ranges::all_of(faults, [](const Fault& fault) { return fault.repaired; });
}

std::string describe(const Fault& fault) {
    std::string line =
        fmt::format("{}: {}", fault.holder.empty() ? "workspace.db" : fault.holder, fault.detail);
    if (!fault.blob.empty()) {
        line += fmt::format(" (blob {}{})", fault.blob,
                            fault.path.empty() ? std::string() : ", " + fault.path);
    }
    if (!fault.repair.empty()) {
        line += fmt::format("; {}: {}", fault.repaired ? "repaired" : "not repaired", fault.repair);
    }
    return line;
}

Result<VerifyReport> verify(store::Workspace& workspace, const run::Seams& seams, Repair repair,
                            std::string_view now) {
    // Shared, so that no gc collects a blob while it is read or stored again.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    VerifyReport report;
    Verifier verifier(workspace, repair, now, report);
    TRY(verifier.check_database());
    TRY_ASSIGN(const auto holders, list_holders(workspace.db()));
    for (const auto& holder : holders) {
        TRY(verifier.check_holder(holder));
    }
    TRY(verifier.check_runs(seams));
    return report;
}

}  // namespace ferry::maintain
