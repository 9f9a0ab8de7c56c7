"""The package that ferry's conda-env sample installs into a venv."""

__version__ = "1.0.0"


def greet():
    return "hello from a venv"
