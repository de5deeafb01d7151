"""Only the package list lives here; everything else is in pyproject.toml.

The rule catalogue stays at the top level (rules/), where users browse it, and is shipped inside
the wheel as ``dllint.rule_pages`` so that ``dllint explain`` works outside a source checkout.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["dllint", "dllint.*", "dlcheck", "dlcheck.*"]) + ["dllint.rule_pages"],
    package_dir={"dllint.rule_pages": "rules"},
    package_data={"dllint.rule_pages": ["*.md"]},
)
