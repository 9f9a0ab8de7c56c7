// The bundled `azureml.core` stand-in, written into a run's directory for its job.
#include "ferry/run/python_shim.hpp"

#include "ferry/util/fs.hpp"

namespace ferry::run {

fs::path python_shim_directory(const fs::path& run_directory) {
    return run_directory / ".ferry" / "python";
}

Result<fs::path> write_python_shim(const fs::path& run_directory) {
    const fs::path root = python_shim_directory(run_directory);
    for (const EmbeddedFile& file : embedded_python_files()) {
        const fs::path path = root / file.path;
        TRY(util::create_directories(path.parent_path(), 0755));
        // Durable::no: a run whose machine crashes is run again, and its files written again.
        TRY(util::write_file_atomic(path, file.content, 0644, util::Durable::no));
    }
    return root;
}

std::string python_path_with(const fs::path& directory,
                             const std::map<std::string, std::string>& variables,
                             const std::map<std::string, std::string>& inherited) {
    auto found = variables.find("PYTHONPATH");
    if (found == variables.end()) {
        found = inherited.find("PYTHONPATH");
        if (found == inherited.end()) {
            return directory.string();
        }
    }
    return found->second.empty() ? directory.string() : directory.string() + ":" + found->second;
}

}  // namespace ferry::run
