"""A loopback DocuSeal for tests (pytest and bench): the REST calls the app makes, in DocuSeal's
wire format, and the webhook bodies DocuSeal posts back."""

import itertools

from gigafibre.tests.peers import Reply, Request

API_KEY = "docuseal-test-key"
SIGNED_PDF = b"%PDF-1.4\n% signed by DocuSeal (loopback)\n%%EOF\n"


class DocuSealPeer:
	"""`POST /api/submissions`, `GET /api/submissions/<id>`, `GET /file/<id>.pdf`, with `X-Auth-Token`."""

	def __init__(self):
		self.ids = itertools.count(1001)
		self.submissions: dict[int, dict] = {}
		self.url = ""  # set by the test once the LoopbackPeer is up
		self.fail_with: int | None = None

	def __call__(self, request: Request) -> Reply:
		if request.path.startswith("/file/"):
			return Reply(200, SIGNED_PDF, {"Content-Type": "application/pdf"})
		if request.headers.get("x-auth-token") != API_KEY:
			return Reply(401, {"error": "Not authenticated"})
		if self.fail_with:
			return Reply(self.fail_with, {"error": "Internal error"})
		if request.method == "POST" and request.path == "/api/submissions":
			body = request.json()
			if not body.get("template_id") or not body.get("submitters"):
				return Reply(422, {"error": "Template not found"})
			submission_id = next(self.ids)
			submitters = []
			for n, person in enumerate(body["submitters"]):
				slug = f"slug{submission_id}x{n}"
				submitters.append(
					{
						"id": submission_id * 10 + n,
						"submission_id": submission_id,
						"uuid": f"uuid-{slug}",
						"email": person.get("email"),
						"name": person.get("name"),
						"role": person.get("role"),
						"external_id": person.get("external_id"),
						"slug": slug,
						"status": "awaiting",
						"values": [{"field": k, "value": v} for k, v in (person.get("values") or {}).items()],
						"embed_src": f"{self.url}/s/{slug}",
						"sent_at": None,
						"completed_at": None,
					}
				)
			self.submissions[submission_id] = {
				"id": submission_id,
				"template_id": body["template_id"],
				"status": "pending",
				"submitters": submitters,
			}
			return Reply(200, submitters)
		if request.method == "GET" and request.path.startswith("/api/submissions/"):
			found = self.submissions.get(int(request.path.rsplit("/", 1)[1]))
			return Reply(200, found) if found else Reply(404, {"error": "Not found"})
		return Reply(404, {"error": "Not found"})

	def completed_event(self, submission_id: int, ip="203.0.113.9", ua="Mozilla/5.0 (Test)") -> dict:
		"""The `form.completed` body DocuSeal posts when the signer finishes."""
		submitter = dict(self.submissions[submission_id]["submitters"][0])
		submitter.update(
			{
				"status": "completed",
				"completed_at": "2026-11-25T15:04:05.000Z",
				"ip": ip,
				"ua": ua,
				"documents": [{"name": "contrat-commercial", "url": f"{self.url}/file/{submission_id}.pdf"}],
				"submission": {"id": submission_id, "status": "completed"},
			}
		)
		return {"event_type": "form.completed", "timestamp": "2026-11-25T15:04:06Z", "data": submitter}
