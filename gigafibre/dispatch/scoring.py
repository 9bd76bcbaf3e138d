"""Which technician for this job? Every candidate ranked, with the reasons in words.

Hard rules (a candidate failing one is listed, ineligible, with the rule): the job's skills, a
shift that day, room in their day for the job's window (checked on their real route, with the
exact timeline), and their maximum number of jobs. Soft factors, each scored 0..1 and weighted
(weights from Gigafibre Settings): travel from the previous stop (or home base), current load,
how early in the window they can start (weighted up for high and urgent jobs), and affinity
(jobs they already did for this customer or location).
"""

from dataclasses import dataclass, field

from gigafibre.dispatch import planner
from gigafibre.dispatch.replan import best_insertion
from gigafibre.errors import InvalidValue
from gigafibre.i18n import _


@dataclass(frozen=True)
class Weights:
	travel: float = 0.4
	load: float = 0.2
	earliness: float = 0.2
	affinity: float = 0.2

	def check(self) -> "Weights":
		values = (self.travel, self.load, self.earliness, self.affinity)
		if any(v < 0 for v in values) or sum(values) <= 0:
			raise InvalidValue(_("Dispatch weights must be 0 or more, and not all 0."))
		return self


@dataclass(frozen=True)
class Reason:
	text: str
	args: tuple = ()


@dataclass(frozen=True)
class Candidate:
	technician: str
	eligible: bool
	score: float
	reasons: tuple[Reason, ...]
	position: int | None = None
	start: int | None = None
	travel: int | None = None  # seconds from the previous stop
	added_travel: int | None = None
	factors: dict[str, float] = field(default_factory=dict)


TRAVEL_SCALE = 3600  # an hour away scores 0
EARLINESS_SCALE = 4 * 3600


def rank(
	problem: planner.Problem,
	sequences: dict[str, list[str]],
	job_id: str,
	weights: Weights | None = None,
	affinity: dict[str, int] | None = None,
) -> list[Candidate]:
	"""Candidates for `job_id`, best first: eligible ones by score, then the others."""
	weights = (weights or Weights()).check()
	jobs = {j.id: j for j in problem.jobs}
	if job_id not in jobs:
		raise InvalidValue(_("Job {0} is not part of the day's problem."), job_id)
	job = jobs[job_id]
	affinity = affinity or {}
	boost = planner.PRIORITY_WEIGHT[job.priority] / planner.PRIORITY_WEIGHT["Normal"]
	out: list[Candidate] = []
	for tech in problem.technicians:
		sequence = [j for j in sequences.get(tech.id, []) if j != job_id]
		missing = sorted(job.skills - tech.skills)
		if missing:
			out.append(_ineligible(tech, Reason(_("Lacks the skills {0}."), (", ".join(missing),))))
			continue
		if tech.max_jobs is not None and len(sequence) >= tech.max_jobs:
			out.append(_ineligible(tech, Reason(_("Already has the maximum of {0} jobs."), (tech.max_jobs,))))
			continue
		ins = best_insertion(problem, tech, sequence, job_id)
		if ins is None:
			out.append(_ineligible(tech, Reason(_("No free time in their day for the job's window."))))
			continue
		window_start = job.window[0] if job.window else ins.stop.start
		wait = max(ins.stop.start - max(window_start, problem.not_before or 0), 0)
		factors = {
			"travel": 1 - min(ins.stop.travel, TRAVEL_SCALE) / TRAVEL_SCALE,
			"load": 1 - len(sequence) / tech.max_jobs if tech.max_jobs else 1.0,
			"earliness": 1 - min(wait, EARLINESS_SCALE) / EARLINESS_SCALE,
			"affinity": min(affinity.get(tech.id, 0), 3) / 3,
		}
		w = {
			"travel": weights.travel,
			"load": weights.load,
			"earliness": weights.earliness * boost,
			"affinity": weights.affinity,
		}
		score = 100 * sum(w[k] * factors[k] for k in w) / sum(w.values())
		origin = _("from their previous stop") if ins.position > 0 else _("from their home base")
		reasons = [
			Reason(_("{0} min of travel {1}."), (round(ins.stop.travel / 60), origin)),
			Reason(_("Can start at {0}."), (clock(ins.stop.start),)),
			Reason(_("{0} jobs already that day."), (len(sequence),)),
		]
		if affinity.get(tech.id):
			reasons.append(
				Reason(_("Has worked for this customer or location {0} times."), (affinity[tech.id],))
			)
		if boost > 1:
			reasons.append(Reason(_("{0} job: an early start counts more."), (job.priority,)))
		out.append(
			Candidate(
				tech.id,
				True,
				round(score, 1),
				tuple(reasons),
				ins.position,
				ins.stop.start,
				ins.stop.travel,
				ins.added_travel,
				factors,
			)
		)
	return sorted(out, key=lambda c: (not c.eligible, -c.score, c.technician))


def _ineligible(tech: planner.Technician, reason: Reason) -> Candidate:
	return Candidate(tech.id, False, 0.0, (reason,))


def clock(seconds: int) -> str:
	return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
