"""Contract acceptance, residential track: a signed link, the text's hash, who accepted and how.

Pure. The link is a JWT (`gigafibre.auth.magic_link`, scope `contract`) whose subject is the Web
Order and whose id is recorded on it; the page shows the contract and its SHA-256; accepting sends
back the hash the person saw, their typed name and the box they ticked. If the contract changed
meanwhile (a price edited on the quotation), the hashes differ and the acceptance is refused.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from gigafibre.errors import InvalidValue
from gigafibre.i18n import _

SCOPE = "contract"
SIGNED_LINK = "Signed Link"
DOCUSEAL = "DocuSeal"
ON_BEHALF = "On Behalf"  # staff accepted for the customer (a phone order), saying how they agreed
MAX_USER_AGENT = 500


@dataclass(frozen=True)
class Acceptance:
	full_name: str
	accepted_at: datetime  # UTC
	ip: str
	user_agent: str
	contract_hash: str
	method: str  # SIGNED_LINK, DOCUSEAL or ON_BEHALF
	reference: str  # the link's id, or the DocuSeal submission id


def contract_hash(text: str) -> str:
	"""SHA-256 (hex) of the contract exactly as it was shown (UTF-8, NFC)."""
	return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def document_hash(content: bytes) -> str:
	"""SHA-256 (hex) of a signed document as DocuSeal delivered it."""
	return hashlib.sha256(content).hexdigest()


def _name_key(name: str | None) -> str:
	decomposed = unicodedata.normalize("NFKD", name or "")
	plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
	return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def names_match(expected: str, typed: str) -> bool:
	"""Same name whatever the case, accents, hyphens or spacing ("Marie-Ève" = "marie eve")."""
	return bool(_name_key(typed)) and _name_key(expected) == _name_key(typed)


def accept(
	expected_name: str,
	typed_name: str | None,
	agreed,
	shown_hash: str | None,
	current_text: str,
	ip: str | None,
	user_agent: str | None,
	now: datetime,
	reference: str,
) -> Acceptance:
	"""The acceptance of `current_text`, or an `InvalidValue` saying what is missing."""
	if str(agreed).strip().lower() not in ("1", "true", "yes", "on"):
		raise InvalidValue(_("Tick the box to accept the contract."))
	name = " ".join((typed_name or "").split())
	if not name:
		raise InvalidValue(_("Type your full name to sign."))
	if not names_match(expected_name, name):
		raise InvalidValue(_("Type your full name as it appears on the order: {0}."), expected_name)
	current = contract_hash(current_text)
	if (shown_hash or "").strip().lower() != current:
		raise InvalidValue(_("The contract changed since you opened it. Read it again, then accept it."))
	return _acceptance(name, now, ip, user_agent, current, SIGNED_LINK, reference)


def accept_on_behalf(
	customer_name: str,
	staff_user: str,
	how_agreed: str | None,
	current_text: str,
	ip: str | None,
	user_agent: str | None,
	now: datetime,
) -> Acceptance:
	"""Staff accept for the customer (the seed's accept-for-client): who, and how the customer
	agreed (e.g. "verbal consent on the phone, call of 10:42") — required, it is the evidence."""
	note = " ".join((how_agreed or "").split())
	if len(note) < 5:
		raise InvalidValue(_("Say how the customer agreed to the contract (at least a few words)."))
	reference = f"{staff_user}: {note}"[:140]
	return _acceptance(customer_name, now, ip, user_agent, contract_hash(current_text), ON_BEHALF, reference)


def _acceptance(name, now, ip, user_agent, digest, method, reference) -> Acceptance:
	"""The record, with the time in UTC and the request's details cut to what the fields hold."""
	return Acceptance(
		full_name=name,
		accepted_at=now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc),
		ip=(ip or "").strip()[:45],
		user_agent=(user_agent or "").strip()[:MAX_USER_AGENT],
		contract_hash=digest,
		method=method,
		reference=reference,
	)


def certificate(acceptance: Acceptance) -> list[tuple[str, str]]:
	"""The lines of the acceptance record printed under the contract (labels marked for translation)."""
	return [
		(_("Accepted by"), acceptance.full_name),
		(_("Accepted at (UTC)"), acceptance.accepted_at.strftime("%Y-%m-%d %H:%M:%S")),
		(_("IP address"), acceptance.ip or "—"),
		(_("Browser"), acceptance.user_agent or "—"),
		(_("Method"), acceptance.method),
		(_("Reference"), acceptance.reference),
		(_("SHA-256 of the contract"), acceptance.contract_hash),
	]
