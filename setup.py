from setuptools import find_packages, setup

from gigafibre import __version__ as version

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
