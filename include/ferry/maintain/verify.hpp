#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

// `workspace verify`: the database's own checks, every blob a record names present and
// hashing to its name, manifests that parse, no run live without a live supervisor; with
// repair, what can be put right is, and the rest is said.
namespace ferry::maintain {

enum class FaultKind { database, missing_blob, damaged_blob, bad_manifest, stale_run };
enum class Repair { no, yes };

[[nodiscard]] std::string_view fault_kind_name(FaultKind kind);

struct Fault {
    FaultKind kind = FaultKind::database;
    std::string holder;  // "run NAME (snapshot)", "dataset NAME:VERSION"; "" for the database
    std::string blob;    // its sha256, where a blob is at fault
    std::string path;    // the manifest entry's path, for a file's blob
    std::string detail;  // what is wrong
    bool repaired = false;
    std::string repair;  // what repair did, or why it could not
};

struct VerifyReport {
    std::uint64_t holders = 0;  // records naming blobs
    std::uint64_t blobs = 0;    // distinct blobs read and hashed
    std::uint64_t runs = 0;     // unfinished runs looked at
    std::vector<Fault> faults;
    [[nodiscard]] bool intact() const;  // no fault left unrepaired
};

// One line for people: "HOLDER: DETAIL (blob SHA, PATH); repaired: ..." or "; not repaired: ...".
[[nodiscard]] std::string describe(const Fault& fault);

[[nodiscard]] Result<VerifyReport> verify(store::Workspace& workspace, const run::Seams& seams,
                                          Repair repair, std::string_view now);

}  // namespace ferry::maintain
