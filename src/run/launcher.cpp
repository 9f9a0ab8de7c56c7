#include "ferry/run/launcher.hpp"

#include "ferry/run/local_launcher.hpp"
#include "ferry/run/slurm_launcher.hpp"

namespace ferry::run {

namespace {

constexpr std::string_view k_slurm = "slurm";

}  // namespace

const std::vector<std::string>& compute_types() {
    static const std::vector<std::string> types = {std::string(k_local_compute),
                                                   std::string(k_slurm)};
    return types;
}

std::unique_ptr<Launcher> make_launcher(const ComputeRecord& compute, const Seams& seams) {
    if (compute.type == k_slurm) {
        return std::make_unique<SlurmLauncher>(compute, seams);
    }
    return std::make_unique<LocalLauncher>(compute, seams);
}

std::unique_ptr<Launcher> launcher_of_run(store::Database& db, const RunRecord& run,
                                          const Seams& seams) {
    if (auto compute = find_compute(db, run.compute); compute && *compute) {
        return make_launcher(**compute, seams);
    }
    // The compute is gone: what the run recorded of its scheduler still says which it was.
    ComputeRecord gone;
    gone.name = run.compute;
    gone.type =
        run.scheduler.is_object() ? run.scheduler.value("type", std::string()) : std::string();
    return make_launcher(gone, seams);
}

}  // namespace ferry::run
