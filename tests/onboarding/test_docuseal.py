"""The DocuSeal client against a loopback server speaking DocuSeal's REST format, and the webhook
payloads it posts."""

import pytest

from gigafibre.errors import ServiceError
from gigafibre.onboarding import docuseal
from gigafibre.onboarding.docuseal import DocuSealClient
from gigafibre.tests.docuseal_peer import API_KEY, SIGNED_PDF, DocuSealPeer
from gigafibre.tests.peers import LoopbackPeer


@pytest.fixture
def peer():
	handler = DocuSealPeer()
	with LoopbackPeer(handler) as server:
		handler.url = server.url
		handler.server = server
		yield handler


def client(peer, key=API_KEY):
	return DocuSealClient(peer.url + "/api", key, timeout=2)


def test_creates_a_submission_for_one_signer(peer):
	submission = client(peer).create_submission(
		7, "Acme inc. — Jean Roy", "jean@acme.ca", "WO-0001", {"Montant": "189,70 $"}
	)
	request = peer.server.requests[-1]
	assert (request.method, request.path) == ("POST", "/api/submissions")
	assert request.headers["x-auth-token"] == API_KEY
	body = request.json()
	assert body["template_id"] == 7 and body["send_email"] is True
	assert body["submitters"] == [
		{
			"role": "Client",
			"name": "Acme inc. — Jean Roy",
			"email": "jean@acme.ca",
			"external_id": "WO-0001",
			"values": {"Montant": "189,70 $"},
		}
	]
	assert submission.submission_id == "1001"
	assert submission.signing_url == f"{peer.url}/s/slug1001x0"
	assert client(peer).submission("1001")["status"] == "pending"


def test_errors_are_service_errors(peer):
	with pytest.raises(ServiceError, match="refused the request.*401"):
		client(peer, key="wrong").create_submission(7, "A", "a@b.ca", "WO-1")
	with pytest.raises(ServiceError, match="not configured"):
		DocuSealClient(peer.url, "")
	with pytest.raises(ServiceError, match="contract template"):
		client(peer).create_submission(0, "A", "a@b.ca", "WO-1")
	peer.fail_with = 500
	with pytest.raises(ServiceError) as err:
		client(peer).create_submission(7, "A", "a@b.ca", "WO-1")
	assert err.value.retryable
	# A POST that creates a submission is never sent twice.
	assert len([r for r in peer.server.requests if r.method == "POST"]) == 2


def test_unreachable_is_retryable():
	with pytest.raises(ServiceError) as err:
		DocuSealClient("http://127.0.0.1:9", API_KEY, timeout=1).create_submission(7, "A", "a@b.ca", "X")
	assert err.value.retryable


def test_downloads_the_signed_document(peer):
	assert client(peer).download(f"{peer.url}/file/1001.pdf") == SIGNED_PDF
	with pytest.raises(ServiceError, match="larger than"):
		client(peer).download(f"{peer.url}/file/1001.pdf", max_bytes=10)


def test_form_completed_webhook(peer):
	client(peer).create_submission(7, "Jean Roy", "jean@acme.ca", "WO-0001")
	result = docuseal.outcome(peer.completed_event(1001))
	assert result.submission_id == "1001" and result.status == docuseal.COMPLETED
	assert (result.signer_name, result.signer_email, result.external_id) == (
		"Jean Roy",
		"jean@acme.ca",
		"WO-0001",
	)
	assert result.at.isoformat() == "2026-11-25T15:04:05+00:00"
	assert (result.ip, result.user_agent) == ("203.0.113.9", "Mozilla/5.0 (Test)")
	assert result.documents == (("contrat-commercial", f"{peer.url}/file/1001.pdf"),)


def test_submission_completed_and_declined_webhooks():
	done = docuseal.outcome(
		{
			"event_type": "submission.completed",
			"timestamp": "2026-11-25T15:00:00Z",
			"data": {
				"id": 55,
				"status": "completed",
				"submitters": [{"role": "Client", "name": "Jean", "email": "j@a.ca", "ip": "1.2.3.4"}],
				"documents": [{"name": "c", "url": "http://x/c.pdf"}],
			},
		}
	)
	assert (done.submission_id, done.status, done.ip) == ("55", "completed", "1.2.3.4")
	assert done.at.isoformat() == "2026-11-25T15:00:00+00:00"
	declined = docuseal.outcome(
		{"event_type": "form.declined", "data": {"submission_id": 56, "status": "declined"}}
	)
	assert (declined.submission_id, declined.status) == ("56", "declined")


@pytest.mark.parametrize(
	"payload",
	[
		None,
		[],
		{},
		{"event_type": "form.viewed", "data": {"submission_id": 1}},
		{"event_type": "form.completed", "data": "x"},
		{"event_type": "form.completed", "data": {"status": "completed"}},
		{"event_type": "form.completed", "data": {"submission_id": 1, "status": "opened"}},
		{"event_type": "template.created", "data": {"id": 1}},
	],
)
def test_other_payloads_are_not_outcomes(payload):
	assert docuseal.outcome(payload) is None
