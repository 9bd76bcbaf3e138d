"""Rebooking slots: which of a day's customer windows can still take a job (pure: no Frappe).

A slot is one of the day's fixed customer windows (`WINDOWS`, local time). It is offered when some
technician working that day can insert the job into their route as it stands with the job's
service starting inside the window and ending by its end: the planner's own insertion check
(`dispatch.replan.best_insertion`, the exact timeline of `planner.time_route`: shifts, breaks,
skills, other jobs' windows, the maximum of jobs). The same check runs again at booking time.
"""

from dataclasses import dataclass, replace

from gigafibre.dispatch import planner
from gigafibre.dispatch.replan import Insertion, best_insertion

# Customer windows offered, in seconds since midnight: 8-10, 10-12, 13-15, 15-17.
WINDOWS = ((8 * 3600, 10 * 3600), (10 * 3600, 12 * 3600), (13 * 3600, 15 * 3600), (15 * 3600, 17 * 3600))
DAYS_AHEAD = 7  # days looked at, from tomorrow
MAX_SLOTS = 12


@dataclass(frozen=True)
class Fit:
	window: tuple[int, int]
	insertion: Insertion


def fit(
	problem: planner.Problem, sequences: dict[str, list[str]], job_id: str, window: tuple[int, int]
) -> Fit | None:
	"""Where `job_id` fits with its service inside `window` (start, end), or None: the insertion
	that adds the least travel over every technician of the day."""
	start, end = window
	jobs = {j.id: j for j in problem.jobs}
	job = jobs.get(job_id)
	if job is None or end - job.duration < start:
		return None
	moved = replace(job, window=(start, end - job.duration), pinned_to=None, pinned_start=None)
	reshaped = replace(problem, jobs=tuple(moved if j.id == job_id else j for j in problem.jobs))
	best: Insertion | None = None
	for tech in reshaped.technicians:
		sequence = [j for j in sequences.get(tech.id, []) if j != job_id]
		found = best_insertion(reshaped, tech, sequence, job_id)
		if found is not None and (best is None or found.added_travel < best.added_travel):
			best = found
	return Fit(window, best) if best is not None else None


def open_windows(
	problem: planner.Problem,
	sequences: dict[str, list[str]],
	job_id: str,
	windows: tuple[tuple[int, int], ...] = WINDOWS,
) -> list[Fit]:
	"""The windows of the day that can take the job, in order."""
	return [f for f in (fit(problem, sequences, job_id, w) for w in windows) if f is not None]
