"""Passwordless portal access: a link by SMS or email, exchanged once for a 24 h session.

`request` answers the same way, in the same time, whether or not a customer matches: the lookup
and the sending happen in a background step, stored first in the outbox (`queue_call`), so a lost
job loses no link.
"""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from gigafibre.auth import magic_link
from gigafibre.auth.service import issue_recorded, link_secret, refuse
from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.health.alerts import alert_staff
from gigafibre.health.service import portal_base_url
from gigafibre.messaging.outbox import queue_call
from gigafibre.portal.identity import parse_identifier
from gigafibre.throttle import count_this_hour

LINK_SCOPE = "portal-link"
SESSION_SCOPE = "portal"
LINK_LIFETIME = timedelta(hours=24)
SESSION_LIFETIME = timedelta(hours=24)
# Links one identifier may ask for in an hour, whatever the IP.
PER_IDENTIFIER_PER_HOUR = 5
NO_PORTAL_TITLE = "Portal links are not sent: the portal address is not set"
NO_PORTAL_MESSAGE = "A customer asked for a portal link, but the Customer Portal Base URL is empty in Gigafibre Settings, so no link was sent. Set it (see the Gigafibre Health page); the customer can then ask again."
NO_EMAIL_TITLE = "Emails are not sent: no default outgoing Email Account"
NO_EMAIL_MESSAGE = "A customer asked for a portal link by email, but no default outgoing Email Account is set up, so no email was sent. Create one (see the Gigafibre Health page)."


def request(identifier: str) -> None:
	kind, value = parse_identifier(identifier)
	count = count_this_hour("portal-link-requests", value)
	queue_call(
		"gigafibre.portal.links.deliver",
		kind=kind,
		value=value,
		over_limit=count > PER_IDENTIFIER_PER_HOUR,
	)


def deliver(kind: str, value: str, over_limit: bool = False) -> list[str]:
	"""Background job: one link per customer the identifier belongs to, by the same channel."""
	if over_limit:
		return []
	customers = customers_for(kind, value)
	if customers and not portal_base_url():
		# The site's own address would open the desk's login page: no link leaves, staff hear of it.
		alert_staff("portal-base-url-unset", NO_PORTAL_TITLE, NO_PORTAL_MESSAGE)
		return []
	sent = []
	for customer in customers:
		try:
			sent.append(send_link(customer, kind, value))
		except frappe.OutgoingEmailError:
			alert_staff("outgoing-email-unset", NO_EMAIL_TITLE, NO_EMAIL_MESSAGE)
		except ServiceError as err:
			# One customer's failure (SMS opt-out, Twilio down) must not keep the others' links.
			frappe.log_error(
				title=_("Portal link not sent"),
				message=_(err.message).format(*err.args_),
				reference_doctype="Customer",
				reference_name=customer,
			)
	return sent


def send_link(customer: str, kind: str, value: str) -> str:
	token, name = issue(customer, "Email" if kind == "email" else "SMS", value)
	url = f"{_portal_base()}/#/?token={token}"
	from gigafibre.messaging.language import paragraphs, recipient_language, rendered_in
	from gigafibre.messaging.outbox import queue_to_contact

	with rendered_in(recipient_language(customer=customer)):
		subject = _("Your Gigafibre customer portal link")
		html = paragraphs(
			_("Hello,"),
			_(
				"Here is your link to the Gigafibre customer portal. It works once and stays valid for 24 hours:"
			),
			f'<a href="{url}">{url}</a>',
			_("If you did not ask for it, you can ignore this message."),
		)
		sms = _("Gigafibre: your customer portal link (valid 24 h, works once): {0}").format(url)
	queue_to_contact(value, subject, html, sms, reference_doctype="Customer", reference_name=customer)
	return name


def customers_for(kind: str, value: str) -> list[str]:
	"""Customers whose own record, contacts or service-location contacts carry this email or phone."""
	if kind == "email":
		customer_field, contact_table, contact_field, location_field = (
			"email_id",
			"Contact Email",
			"email_id",
			"email",
		)
	else:
		customer_field, contact_table, contact_field, location_field = (
			"mobile_no",
			"Contact Phone",
			"phone",
			"phone",
		)
	found = frappe.get_all("Customer", filters={customer_field: value}, pluck="name")
	contacts = frappe.get_all(
		contact_table, filters={contact_field: value, "parenttype": "Contact"}, pluck="parent"
	)
	if contacts:
		found += frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "parent": ("in", contacts), "link_doctype": "Customer"},
			pluck="link_name",
		)
	locations = frappe.get_all(
		"Service Location Contact",
		filters={location_field: value, "parenttype": "Service Location"},
		pluck="parent",
	)
	if locations:
		found += frappe.get_all("Service Location", filters={"name": ("in", locations)}, pluck="customer")
	found = {c for c in found if c}
	if not found:
		return []
	return sorted(
		frappe.get_all("Customer", filters={"name": ("in", list(found)), "disabled": 0}, pluck="name")
	)


def issue(customer: str, channel: str, sent_to: str) -> tuple[str, str]:
	return issue_recorded(
		"Portal Link", "customer", customer, LINK_SCOPE, LINK_LIFETIME, channel=channel, sent_to=sent_to
	)


def exchange(token: str) -> dict:
	"""A link token for a session token, once: the same link a second time is refused."""
	claims = _verified(token, LINK_SCOPE)
	link = frappe.db.get_value(
		"Portal Link",
		{"token_id": claims.token_id},
		["name", "customer", "used_at", "revoked"],
		as_dict=True,
		for_update=True,
	)
	if not link or link.customer != claims.subject or link.revoked:
		refuse(_("This link is not valid."))
	if link.used_at:
		refuse(_("This link was already used. Ask for a new one."))
	frappe.db.set_value("Portal Link", link.name, "used_at", now_datetime())
	from gigafibre.portal.auth import ensure_portal_user

	ensure_portal_user(link.customer)  # the user this customer's sessions run as (portal/auth.py)
	# The session carries the link's id, so revoking the link ends the session too.
	session, session_claims = magic_link.issue(
		link_secret(),
		link.customer,
		SESSION_SCOPE,
		datetime.now(timezone.utc),
		SESSION_LIFETIME,
		claims.token_id,
	)
	return {
		"token": session,
		"customer": link.customer,
		"customer_name": frappe.db.get_value("Customer", link.customer, "customer_name"),
		"expires_at": session_claims.expires_at.isoformat(),
	}


def session_customer(token: str | None) -> str | None:
	"""The customer of a valid portal session token, or None (any other Bearer token is not ours)."""
	try:
		claims = magic_link.verify(link_secret(), token, SESSION_SCOPE, datetime.now(timezone.utc))
	except InvalidValue:
		return None
	link = frappe.db.get_value(
		"Portal Link", {"token_id": claims.token_id}, ["customer", "revoked"], as_dict=True
	)
	if not link or link.revoked or link.customer != claims.subject:
		return None
	return claims.subject


def _verified(token: str, scope: str) -> magic_link.LinkClaims:
	try:
		return magic_link.verify(link_secret(), token, scope, datetime.now(timezone.utc))
	except InvalidValue as err:
		refuse(_(err.message).format(*err.args_))


def _portal_base() -> str:
	return (
		frappe.db.get_single_value("Gigafibre Settings", "portal_base_url") or frappe.utils.get_url()
	).rstrip("/")
