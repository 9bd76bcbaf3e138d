"""Demo data: a working Québec system for newcomers and for later features to plan on.

`bench --site <site> execute gigafibre.demo.make_demo_data`
"""


def make_demo_data(locations: int = 200, jobs: int = 50, seed: int = 2026, commit: bool = True) -> dict:
	from gigafibre.demo.loader import load

	return load(locations=locations, jobs=jobs, seed=seed, commit=commit)
