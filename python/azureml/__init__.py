"""ferry's stand-in for the Azure ML SDK's ``azureml`` package: standard library only.

ferry puts this directory first on every job's PYTHONPATH, so that seed-era scripts
(``from azureml.core import Run``) log into their ferry run unchanged. ``azureml`` is a
namespace of the pkgutil kind, as the SDK's own is: ``azureml.*`` packages installed
elsewhere on sys.path stay importable. Where the real ``azureml.core`` (the Azure SDK) is
installed, this copy steps aside: its directory leaves ``azureml.__path__``, so that
``import azureml.core`` finds the SDK's.
"""

import os as _os
from pkgutil import extend_path as _extend_path

__path__ = _extend_path(__path__, __name__)


def _others(here):
    return [p for p in __path__ if _os.path.realpath(p) != here]


_here = _os.path.realpath(_os.path.dirname(__file__))
if any(_os.path.isfile(_os.path.join(p, "core", "__init__.py")) for p in _others(_here)):
    __path__ = _others(_here)
