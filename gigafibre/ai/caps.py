"""The spending caps on Gemini: calls per hour and tokens per day. Pure."""

from dataclasses import dataclass

from gigafibre.i18n import _


@dataclass(frozen=True)
class Spend:
	calls_last_hour: int
	tokens_today: int


def over_cap(spend: Spend, calls_per_hour: int | None, tokens_per_day: int | None) -> tuple[str, int] | None:
	"""(message template, the cap it names) when no call may be made now, else None.
	A cap of 0 or None is no cap."""
	if calls_per_hour and spend.calls_last_hour >= calls_per_hour:
		return _(
			"Gemini calls are capped at {0} per hour in Gigafibre Settings; the cap is reached."
		), calls_per_hour
	if tokens_per_day and spend.tokens_today >= tokens_per_day:
		return _(
			"Gemini tokens are capped at {0} per day in Gigafibre Settings; the cap is reached."
		), tokens_per_day
	return None
