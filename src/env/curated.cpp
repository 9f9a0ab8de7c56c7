#include "ferry/env/curated.hpp"

#include <array>

namespace ferry::env {

namespace {

// Read from Azure/azureml-assets at 4b41f8c (MIT): each environment's
// context/conda_dependencies.yaml, requirements.txt and Dockerfile. Versions Azure's release
// fills in ({{latest-pypi-version}}) are left unpinned, and Azure's own service packages
// (azureml-core, azureml-defaults, the inference server) are left out: they are for Azure.
constexpr std::string_view k_assets = "Azure/azureml-assets@4b41f8c:assets/";

constexpr std::array<std::string_view, 8> k_sklearn_15 = {
    "scikit-learn~=1.5.0", "pandas~=1.5.3",     "scipy~=1.10.0", "numpy~=1.22.0",
    "joblib~=1.2.0",       "matplotlib~=3.5.0", "psutil~=5.8.0", "azureml-mlflow"};
constexpr std::array<std::string_view, 8> k_sklearn_11 = {
    "scikit-learn~=1.1.0", "pandas~=1.3.0",     "scipy~=1.10.0", "numpy~=1.22.0",
    "joblib~=1.2.0",       "matplotlib~=3.5.0", "psutil~=5.8.0", "azureml-mlflow"};
constexpr std::array<std::string_view, 8> k_sklearn_10 = {
    "scikit-learn~=1.0.0", "pandas~=1.3.0",     "scipy~=1.10.0", "numpy~=1.22.0",
    "joblib~=1.2.0",       "matplotlib~=3.5.0", "psutil~=5.8.0", "azureml-mlflow"};
constexpr std::array<std::string_view, 9> k_lightgbm = {
    "lightgbm>=4.6.0", "scikit-learn~=1.5.1", "xgboost~=1.7.6", "pandas~=1.5.3", "scipy~=1.10.0",
    "numpy~=1.22.0",   "matplotlib~=3.5.0",   "adlfs~=0.7.0",   "azureml-mlflow"};
constexpr std::array<std::string_view, 10> k_tensorflow = {"tensorflow[and-cuda]==2.16.2",
                                                           "tf-keras==2.16.0",
                                                           "keras>=3.13.2",
                                                           "tensorboard~=2.16.0",
                                                           "tensorflow-datasets~=4.9.0",
                                                           "pandas==2.2.2",
                                                           "numpy==1.23.5",
                                                           "scipy~=1.14.0",
                                                           "matplotlib~=3.5.0",
                                                           "azureml-mlflow"};
constexpr std::array<std::string_view, 7> k_acpt_28 = {
    "torch==2.10.0", "torchvision==0.25.0", "torchaudio==2.10.0", "transformers",
    "matplotlib",    "tensorboard",         "azureml-mlflow"};
constexpr std::array<std::string_view, 8> k_acpt_22 = {
    "torch==2.10.0", "torchvision==0.25.0", "torchaudio==2.10.0", "transformers>=5.0.0",
    "onnx>=1.21.0",  "MarkupSafe==2.1.2",   "matplotlib~=3.5.0",  "azureml-mlflow"};
constexpr std::array<std::string_view, 7> k_mlflow_inference = {
    "mlflow", "scikit-learn", "cloudpickle", "psutil", "pandas", "numpy", "joblib"};

constexpr std::array k_curated = {
    CuratedEnvironment{"sklearn-1.5", "3.10", "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04",
                       k_sklearn_15,
                       "training/general/environments/sklearn-1.5/context/conda_dependencies.yaml"},
    CuratedEnvironment{"sklearn-1.1", "3.9", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04",
                       k_sklearn_11,
                       "training/general/environments/sklearn-1.1/context/conda_dependencies.yaml"},
    CuratedEnvironment{"sklearn-1.0", "3.9", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04",
                       k_sklearn_10,
                       "training/general/environments/sklearn-1.0/context/conda_dependencies.yaml"},
    CuratedEnvironment{
        "lightgbm-3.3", "3.10", "mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04", k_lightgbm,
        "training/general/environments/lightgbm-3.3/context/conda_dependencies.yaml"},
    CuratedEnvironment{
        "tensorflow-2.16-cuda12", "3.11", "nvcr.io/nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04",
        k_tensorflow,
        "training/general/environments/tensorflow-2.16-cuda12/context/conda_dependencies.yaml"},
    CuratedEnvironment{
        "acpt-pytorch-2.8-cuda12.6", "3.10",
        "mcr.microsoft.com/aifx/acpt/stable-ubuntu2204-cu126-py310-torch280", k_acpt_28,
        "training/general/environments/acpt-pytorch-2.8-cuda12.6/context/requirements.txt"},
    CuratedEnvironment{
        "acpt-pytorch-2.2-cuda12.1", "3.10",
        "mcr.microsoft.com/aifx/acpt/stable-ubuntu2204-cu126-py310-torch280", k_acpt_22,
        "training/general/environments/acpt-pytorch-2.2-cuda12.1/context/requirements.txt"},
    CuratedEnvironment{"mlflow-py312-inference", "3.12",
                       "mcr.microsoft.com/azureml/inference-base-2204", k_mlflow_inference,
                       "inference/environments/mlflow-py312-inference/context/"
                       "conda_dependencies.yaml"},
};

}  // namespace

std::span<const CuratedEnvironment> curated_environments() {
    return k_curated;
}

const CuratedEnvironment* find_curated(std::string_view name) {
    if (name.starts_with("AzureML-")) {
        name.remove_prefix(8);
    }
    for (const auto& curated : k_curated) {
        if (curated.name == name) {
            return &curated;
        }
    }
    return nullptr;
}

std::string curated_source(const CuratedEnvironment& curated) {
    return std::string(k_assets) + std::string(curated.source);
}

nlohmann::ordered_json curated_conda(const CuratedEnvironment& curated) {
    nlohmann::ordered_json pip = nlohmann::ordered_json::array();
    for (const auto package : curated.pip) {
        pip.push_back(package);
    }
    nlohmann::ordered_json conda;
    conda["name"] = curated.name;
    conda["channels"] = {"conda-forge"};
    conda["dependencies"] = nlohmann::ordered_json::array(
        {"python=" + std::string(curated.python), "pip", {{"pip", pip}}});
    return conda;
}

}  // namespace ferry::env
