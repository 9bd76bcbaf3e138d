"""Suspension decisions (gigafibre/billing/suspension_rules.py): which action for which model, the
retry schedule, whether a proposal may run, what is stored of an answer."""

import json
from datetime import date, datetime, time, timedelta

import pytest

from gigafibre.billing import suspension_rules as rules
from gigafibre.errors import InvalidValue

GENIE_SUSPEND = json.dumps(
	[
		{"add_tag": "suspended"},
		{
			"task": {
				"name": "setParameterValues",
				"parameterValues": [
					[
						"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANPPPConnection.1.Enable",
						False,
						"xsd:boolean",
					]
				],
			}
		},
	]
)
GENIE_RESTORE = json.dumps([{"remove_tag": "suspended"}])
USP_SUSPEND = json.dumps(
	{
		"command": "set",
		"body": {
			"allow_partial": False,
			"update_objs": [
				{
					"obj_path": "Device.IP.Interface.1.",
					"param_settings": [{"param": "Enable", "value": "false"}],
				}
			],
		},
	}
)


def row(model="HG8245Q2", backend="GenieACS", suspend=GENIE_SUSPEND, restore=GENIE_RESTORE):
	return {"model": model, "backend": backend, "suspend_action": suspend, "restore_action": restore}


def test_rules_parse_and_match_the_model_without_case_or_spaces():
	parsed = rules.parse_rules([row(), row("XX230v", "Oktopus", USP_SUSPEND, USP_SUSPEND)])
	assert [r.backend for r in parsed] == ["GenieACS", "Oktopus"]
	assert rules.rule_for("  hg8245q2 ", parsed).model == "HG8245Q2"
	assert rules.rule_for("xx230V", parsed).backend == "Oktopus"
	assert rules.rule_for("HG8546M", parsed) is None
	assert rules.rule_for(None, parsed) is None
	genie = parsed[0]
	assert [s.kind for s in genie.steps(rules.SUSPEND)] == ["add_tag", "task"]
	assert [s.kind for s in genie.steps(rules.RESTORE)] == ["remove_tag"]
	usp = parsed[1].suspend[0]
	assert (usp.kind, usp.params["mtp"]) == ("set", "any")


@pytest.mark.parametrize(
	"bad, words",
	[
		(row(model=" "), "Give the equipment model"),
		(row(backend="TR-069"), "Choose GenieACS or Oktopus"),
		(row(suspend=""), "Give the {0} action"),
		(row(suspend="{"), "not valid JSON"),
		(row(suspend="[]"), "must be a JSON object"),
		(row(suspend='[{"add_tag": "x", "remove_tag": "y"}]'), "exactly one of"),
		(row(suspend='{"task": {"parameterValues": []}}'), "a task is a JSON object with a name"),
		(
			row(suspend='{"task": {"name": "setParameterValues", "parameterValues": [["", 1]]}}'),
			"parameterValues",
		),
		(row(suspend='{"put_preset": "p"}'), "put_preset needs"),
		(row(restore='{"add_tag": ""}'), "needs a name"),
		(row(backend="Oktopus", suspend='{"command": "reboot", "body": {"x": 1}}'), "Oktopus command"),
		(
			row(backend="Oktopus", suspend='{"command": "set", "mtp": "http", "body": {"x": 1}}'),
			"mtp must be",
		),
		(row(backend="Oktopus", suspend='{"command": "set"}'), "body must be the USP message"),
	],
)
def test_a_bad_row_is_refused_with_its_number(bad, words):
	with pytest.raises(rules.RowError) as caught:
		rules.parse_rules([row("Other"), bad])
	assert caught.value.row == 2
	assert words in caught.value.problem.message
	assert isinstance(caught.value, InvalidValue)


def test_a_model_listed_twice_is_refused():
	with pytest.raises(rules.RowError) as caught:
		rules.parse_rules([row("HG8245Q2"), row("hg8245q2 ")])
	assert (caught.value.row, caught.value.problem.args_[1]) == (2, 1)


def test_placeholders_are_filled_and_devices_addressed_per_backend():
	(rule,) = rules.parse_rules(
		[
			row(
				suspend=json.dumps(
					{
						"put_preset": "suspend-{device_id}",
						"preset": {"precondition": '{"_id": "{device_id}"}'},
					}
				)
			)
		]
	)
	(step,) = rules.render(rule.suspend, "00259E-HG8245Q2-4857", "abc1")
	assert step.params["name"] == "suspend-00259E-HG8245Q2-4857"
	assert step.params["preset"]["precondition"] == '{"_id": "00259E-HG8245Q2-4857"}'
	assert rule.suspend[0].params["name"] == "suspend-{device_id}"  # the rule itself is untouched
	assert rules.device_address("GenieACS", " dev-1 ", "sn") == "dev-1"
	assert rules.device_address("Oktopus", "dev-1", " 2237a8m000123 ") == "2237A8M000123"
	assert rules.device_address("GenieACS", None, "sn") is None


def test_retry_schedule_and_outcome_of_an_attempt():
	now = datetime(2026, 12, 2, 10, 0)
	assert [rules.retry_delay(n).total_seconds() / 60 for n in range(1, 10)] == [
		1,
		2,
		5,
		10,
		15,
		30,
		60,
		60,
		60,
	]
	d = rules
	assert d.after_attempt([d.DEVICE_DONE, d.DEVICE_SKIPPED], 1, 8, now) == (d.DONE, None)
	assert d.after_attempt([], 1, 8, now) == (d.DONE, None)
	assert d.after_attempt([d.DEVICE_DONE, d.DEVICE_PENDING], 3, 8, now) == (
		d.PENDING,
		now + timedelta(minutes=5),
	)
	assert d.after_attempt([d.DEVICE_PENDING], 8, 8, now) == (d.FAILED, None)
	assert d.after_attempt([d.DEVICE_FAILED, d.DEVICE_DONE], 1, 8, now) == (d.FAILED, None)
	# A refusal does not stop the device that has yet to answer from being tried again.
	assert d.after_attempt([d.DEVICE_FAILED, d.DEVICE_PENDING], 1, 8, now)[0] == d.PENDING


def test_who_may_take_a_row():
	now = datetime(2026, 12, 2, 10, 0)
	before, after = now - timedelta(seconds=1), now + timedelta(seconds=1)
	assert rules.may_claim(rules.PROPOSED, before, None, None, now)
	assert not rules.may_claim(rules.PROPOSED, after, None, None, now)
	assert rules.may_claim(rules.PENDING, None, None, None, now)
	assert not rules.may_claim(rules.PENDING, None, after, None, now)
	assert rules.may_claim(rules.RUNNING, None, None, before, now)
	assert not rules.may_claim(rules.RUNNING, None, None, after, now)
	for done in rules.FINISHED:
		assert not rules.may_claim(done, before, before, None, now)
	# The sweep leaves a fresh row to its own job for a minute, not one whose retry is due.
	fresh, old = now - timedelta(seconds=10), now - timedelta(seconds=90)
	assert not rules.sweep_takes(rules.PENDING, fresh, None, None, None, now)
	assert rules.sweep_takes(rules.PENDING, old, None, None, None, now)
	assert rules.sweep_takes(rules.PENDING, fresh, None, before, None, now)
	assert rules.sweep_takes(rules.PROPOSED, fresh, before, None, None, now)


def test_the_run_time_in_the_site_time_zone():
	at = time(10, 0)
	assert rules.scheduled_for(datetime(2026, 12, 2, 9, 59), at) == datetime(2026, 12, 2, 10, 0)
	assert rules.scheduled_for(datetime(2026, 12, 2, 10, 0), at) == datetime(2026, 12, 3, 10, 0)
	assert rules.scheduled_for(datetime(2026, 12, 31, 18, 0), None) == datetime(2027, 1, 1, 10, 0)
	# Local wall-clock time: the day the clocks go back (Toronto, 2026-11-01) still runs at 10:00.
	assert rules.scheduled_for(datetime(2026, 10, 31, 23, 0), at) == datetime(2026, 11, 1, 10, 0)


def test_whether_a_proposal_may_run():
	today = date(2026, 12, 2)
	assert rules.blocker(95.0, today=today) is None
	assert rules.blocker(0, today=today)[0] == "Nothing is owed on this location any more."
	assert rules.blocker(-5, ["SINV-1"], today=today)[0].startswith("Nothing is owed")
	assert rules.blocker(95.0, ["SINV-1", "SINV-2"], today=today) == (
		"A payment is being processed for {0}.",
		("SINV-1, SINV-2",),
	)
	assert rules.blocker(95.0, [], ["SINV-3"], today=today) == ("{0} is disputed.", ("SINV-3",))
	assert rules.blocker(95.0, arrangement_until=today, today=today)[1] == ("2026-12-02",)
	assert rules.blocker(95.0, arrangement_until=today - timedelta(days=1), today=today) is None


def test_answers_are_stored_without_secrets():
	answer = {
		"task": {
			"name": "setParameterValues",
			"parameterValues": [
				[
					"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Password",
					"s3cret",
					"xsd:string",
				],
				[
					"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Enable",
					False,
					"xsd:boolean",
				],
			],
		},
		"update_objs": [{"param_settings": [{"param": "KeyPassphrase", "value": "wifi-key"}]}],
		"api_token": "tok",
	}
	text = rules.answer_text(answer)
	for secret in ("s3cret", "wifi-key", '"tok"'):
		assert secret not in text
	stored = json.loads(text)
	assert stored["task"]["parameterValues"][1][1] is False
	assert stored["task"]["parameterValues"][0][1] == rules.REDACTED
	assert len(rules.answer_text({"x": "y" * 50000}, limit=1000)) < 1100


def test_usp_failures_are_read_from_the_answer():
	ok = {
		"updated_obj_results": [
			{"oper_status": {"OperStatus": {"oper_success": {"updated_inst_results": []}}}}
		]
	}
	refused = {
		"updated_obj_results": [
			{"oper_status": {"OperStatus": {"oper_failure": {"err_code": 7004, "err_msg": "Invalid value"}}}}
		]
	}
	assert rules.usp_failure(ok) is None
	assert rules.usp_failure(refused) == "7004: Invalid value"
	assert (
		rules.usp_failure({"operation_results": [{"OperationResp": {"cmd_failure": {"err_msg": "busy"}}}]})
		== "busy"
	)
	assert rules.usp_failure("Unknown message answer") is None
