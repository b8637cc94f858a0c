"""Package discovery: every package under birdscan/, plus the shipped model.

The model sits in models/ of the source tree (next to its card and rebuild script) and installs
as the data-only package ``birdscan._models``; pyproject.toml cannot map a folder to a package
while also discovering packages, hence this file. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["birdscan", "birdscan.*"]), "birdscan._models"],
    package_dir={"birdscan._models": "models"},
)
