import re
from pathlib import Path

from setuptools import find_packages, setup

# Read, not imported: the build runs in an isolated environment where the package is not importable.
version = re.search(r'__version__ = "([^"]+)"', Path("gigafibre/__init__.py").read_text()).group(1)

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]

setup(
	name="gigafibre",
	version=version,
	description="Field service and operations for a fibre ISP, as a Frappe app inside ERPNext",
	author="Gigafibre",
	author_email="dev@gigafibre.ca",
	packages=find_packages(exclude=["tests", "tests.*", "benchmarks"]),
	zip_safe=False,
	include_package_data=True,
	python_requires=">=3.10",
	install_requires=install_requires,
)
