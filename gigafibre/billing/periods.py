"""Billing periods and proration: pure date arithmetic (no Frappe).

A subscription is billed in advance, one period at a time. Two ways to cut the months:

- **Calendar Month**: every period is a calendar month; the first one runs from the activation
  day to the month's end and is prorated.
- **Anniversary**: periods start on the activation's day of the month (the 31st falls back to the
  month's last day, and comes back in months that have it); the first period is a whole one.

Proration counts days, both ends included: 10 days of a 31-day month is 10/31 of the monthly rate.
Amounts are Decimals rounded to the cent, half up, as on the invoice. The billing day is the date
in Montréal (America/Toronto), not UTC: a run at 20:30 on March 31 (00:30 UTC on April 1) is still
in March.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

CALENDAR_MONTH = "Calendar Month"
ANNIVERSARY = "Anniversary"
MODES = (CALENDAR_MONTH, ANNIVERSARY)
TIME_ZONE = "America/Toronto"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
	start: date
	end: date  # included

	@property
	def days(self) -> int:
		return (self.end - self.start).days + 1

	def __contains__(self, day: date) -> bool:
		return self.start <= day <= self.end


def cents(value) -> Decimal:
	return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def local_day(moment: datetime, time_zone: str = TIME_ZONE) -> date:
	"""The calendar day `moment` falls on in `time_zone` (a naive datetime is taken as UTC)."""
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=ZoneInfo("UTC"))
	return moment.astimezone(ZoneInfo(time_zone)).date()


def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
	"""`day` moved by `months`, on `anchor_day` (default: day's own) clamped to the month's end."""
	index = day.year * 12 + day.month - 1 + months
	year, month = divmod(index, 12)
	month += 1
	last = calendar.monthrange(year, month)[1]
	return date(year, month, min(anchor_day or day.day, last))


def month_end(day: date) -> date:
	return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def check_mode(mode: str) -> str:
	if mode not in MODES:
		raise InvalidValue(_("Unknown billing day {0}: use Calendar Month or Anniversary."), mode)
	return mode


def full_period(day: date, mode: str, anchor: date) -> Period:
	"""The whole period of the cycle that contains `day`, for a subscription that began on `anchor`."""
	check_mode(mode)
	if mode == CALENDAR_MONTH:
		return Period(date(day.year, day.month, 1), month_end(day))
	months = (day.year - anchor.year) * 12 + day.month - anchor.month
	start = add_months(anchor, months, anchor.day)
	if start > day:
		start = add_months(anchor, months - 1, anchor.day)
	following = add_months(start, 1, anchor.day)
	return Period(start, following - timedelta(days=1))


def billed_period(start: date, mode: str, anchor: date, end_date: date | None = None) -> Period:
	"""The period an invoice starting on `start` covers: to the end of its cycle, or to the
	subscription's `end_date` when that comes first."""
	whole = full_period(start, mode, anchor)
	end = whole.end if end_date is None else min(whole.end, end_date)
	if end < start:
		raise InvalidValue(_("The subscription ends before {0}: nothing to bill."), start.isoformat())
	return Period(start, end)


def prorated(monthly_rate, part: Period, whole: Period) -> Decimal:
	"""The share of `monthly_rate` for the days of `part` within the cycle `whole`."""
	if part.start < whole.start or part.end > whole.end:
		raise InvalidValue(_("The days to prorate fall outside the billing period."))
	if part.days == whole.days:
		return cents(monthly_rate)
	return cents(Decimal(str(monthly_rate or 0)) * part.days / whole.days)


def periods_due(next_start: date, today: date, mode: str, anchor: date, end_date: date | None = None):
	"""Every period from `next_start` whose start has come by `today` (billed in advance), in
	order: more than one when runs were missed, none when the next one is still ahead."""
	start = next_start
	while start <= today and (end_date is None or start <= end_date):
		period = billed_period(start, mode, anchor, end_date)
		yield period
		start = period.end + timedelta(days=1)


@dataclass(frozen=True)
class Adjustment:
	"""A prorated line for the next invoice: positive is a charge, negative a credit."""

	item_code: str
	amount: Decimal
	period: Period


def change_adjustments(
	removed: dict[str, Decimal], added: dict[str, Decimal], effective: date, billed: Period, whole: Period
) -> list[Adjustment]:
	"""What a change on `effective`, within the already billed period `billed`, owes: a credit for
	each removed item's remaining days and a charge for each added one's (monthly rates by item).
	Nothing when the change takes effect after the billed period (the next invoice has it whole)."""
	if effective > billed.end:
		return []
	rest = Period(max(effective, billed.start), billed.end)
	lines = [Adjustment(item, -prorated(rate, rest, whole), rest) for item, rate in sorted(removed.items())]
	lines += [Adjustment(item, prorated(rate, rest, whole), rest) for item, rate in sorted(added.items())]
	return [line for line in lines if line.amount]


def cancellation_credits(
	rates: dict[str, Decimal], end_date: date, billed: Period, whole: Period
) -> list[Adjustment]:
	"""Credits for the days after `end_date` in a period already billed in advance."""
	if end_date >= billed.end:
		return []
	unused = Period(max(end_date + timedelta(days=1), billed.start), billed.end)
	return [
		Adjustment(item, -prorated(rate, unused, whole), unused)
		for item, rate in sorted(rates.items())
		if prorated(rate, unused, whole)
	]
