"""ferry's ``azureml.core``: the ``Run`` of a training script (see ``run.py``).

Only present where the Azure SDK is not: the package ``azureml`` steps aside for the
real one.
"""

from .run import Run, RunError

__all__ = ["Run", "RunError"]
