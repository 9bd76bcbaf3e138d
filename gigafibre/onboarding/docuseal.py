"""DocuSeal, the commercial contract track: its REST API (submissions) and its webhook payloads.

REST (https://www.docuseal.com/docs/api): `POST /submissions` with `X-Auth-Token` creates a
submission from a template for its submitters and answers the list of submitters, each with its
signing page (`embed_src`); `GET /submissions/{id}` reads one. The webhook posts
`{"event_type", "timestamp", "data"}`: `form.completed` / `form.declined` carry one submitter
(with `submission_id`, `ip`, `ua`, `completed_at`, `documents`), `submission.completed` the whole
submission (`id`, `submitters`, `documents`). DocuSeal signs nothing: it adds the secret header
configured with the webhook, which the shell checks before storing the event.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from gigafibre.errors import ServiceError
from gigafibre.i18n import _
from gigafibre.network.http import JsonHttp

SERVICE = "DocuSeal"
ROLE = "Client"
COMPLETED = "completed"
DECLINED = "declined"


@dataclass(frozen=True)
class Submission:
	submission_id: str
	submitter_id: str
	signing_url: str


@dataclass(frozen=True)
class Outcome:
	"""What a webhook says about one submission."""

	submission_id: str
	status: str  # COMPLETED or DECLINED
	signer_name: str
	signer_email: str
	at: datetime | None
	ip: str
	user_agent: str
	documents: tuple[tuple[str, str], ...]  # (name, url)
	external_id: str


class DocuSealClient:
	def __init__(self, base_url: str, api_key: str, timeout: float = 15.0):
		if not api_key:
			raise ServiceError(_("{0} is not configured: set its API key."), SERVICE)
		self.http = JsonHttp(SERVICE, base_url, timeout=timeout, headers={"X-Auth-Token": api_key})

	def create_submission(
		self,
		template_id: int,
		name: str,
		email: str,
		external_id: str,
		values: dict | None = None,
		send_email: bool = True,
		completed_redirect_url: str | None = None,
	) -> Submission:
		"""One submission of the template for one signer; `external_id` ties it to our order."""
		if not template_id:
			raise ServiceError(_("{0} is not configured: set the contract template."), SERVICE)
		signer = {"role": ROLE, "name": name, "email": email, "external_id": external_id}
		if values:
			signer["values"] = values
		body = {"template_id": int(template_id), "send_email": bool(send_email), "submitters": [signer]}
		if completed_redirect_url:
			body["completed_redirect_url"] = completed_redirect_url
		answer = self.http.json("POST", "/submissions", json=body, expect=(200, 201))
		submitters = answer if isinstance(answer, list) else (answer or {}).get("submitters")
		if not submitters or not isinstance(submitters[0], dict):
			raise ServiceError(_("{0} sent an answer without a signer."), SERVICE)
		first = submitters[0]
		url = first.get("embed_src") or (
			f"{self.http.base_url.removesuffix('/api')}/s/{first['slug']}" if first.get("slug") else ""
		)
		if not (first.get("submission_id") and url):
			raise ServiceError(_("{0} sent an answer without a signer."), SERVICE)
		return Submission(str(first["submission_id"]), str(first.get("id") or ""), url)

	def submission(self, submission_id: str) -> dict:
		return self.http.json("GET", f"/submissions/{int(submission_id)}")

	def download(self, url: str, max_bytes: int = 20 * 1024 * 1024) -> bytes:
		"""A signed document from the URL DocuSeal gave (same service, same token)."""
		try:
			response = self.http.session.get(url, timeout=self.http.timeout, stream=True)
			response.raise_for_status()
			content = response.raw.read(max_bytes + 1, decode_content=True)
		except requests.RequestException as err:
			raise ServiceError(_("{0} could not be reached: {1}"), SERVICE, str(err), retryable=True) from err
		if len(content) > max_bytes:
			raise ServiceError(_("{0} sent a document larger than {1} MB."), SERVICE, max_bytes // 2**20)
		return content

	def close(self) -> None:
		self.http.close()


def outcome(payload: dict) -> Outcome | None:
	"""The signed (or declined) submission a webhook reports; None for other events."""
	if not isinstance(payload, dict):
		return None
	kind = payload.get("event_type")
	data = payload.get("data")
	if not isinstance(data, dict):
		return None
	if kind in ("form.completed", "form.declined"):
		status = COMPLETED if kind == "form.completed" else DECLINED
		if (data.get("status") or status) != status:
			return None
		submission = data.get("submission") if isinstance(data.get("submission"), dict) else {}
		submission_id = data.get("submission_id") or submission.get("id")
		signer = data
		documents = data.get("documents") or submission.get("documents") or []
		at = data.get("completed_at") if status == COMPLETED else data.get("declined_at")
	elif kind == "submission.completed":
		status = COMPLETED
		submission_id = data.get("id")
		signers = [s for s in data.get("submitters") or [] if isinstance(s, dict)]
		signer = next((s for s in signers if s.get("role") == ROLE), signers[0] if signers else {})
		documents = data.get("documents") or []
		at = data.get("completed_at")
	else:
		return None
	if not submission_id:
		return None
	return Outcome(
		submission_id=str(submission_id),
		status=status,
		signer_name=str(signer.get("name") or ""),
		signer_email=str(signer.get("email") or ""),
		at=_moment(at or payload.get("timestamp")),
		ip=str(signer.get("ip") or ""),
		user_agent=str(signer.get("ua") or ""),
		documents=tuple(
			(str(d.get("name") or "contract"), str(d["url"]))
			for d in documents
			if isinstance(d, dict) and d.get("url")
		),
		external_id=str(signer.get("external_id") or ""),
	)


def _moment(value) -> datetime | None:
	if not isinstance(value, str) or not value:
		return None
	try:
		moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
	except ValueError:
		return None
	return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
