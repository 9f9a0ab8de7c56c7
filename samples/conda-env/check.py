"""Runs in the environment conda-env: imports the package the venv installed and prints
its greeting, its version and the Python it runs on."""

import sys

import ferry_sample_greeting

print(ferry_sample_greeting.greet())
print(f"ferry-sample-greeting {ferry_sample_greeting.__version__}")
print(f"python {sys.version.split()[0]} at {sys.executable}")
print(f"in a venv: {'yes' if sys.prefix != sys.base_prefix else 'no'}")
