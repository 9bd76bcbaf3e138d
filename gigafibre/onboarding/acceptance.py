"""Contracts of web orders on the Frappe side, and what accepting one creates.

Residential orders are signed through a signed link (`/contract/<token>`, a JWT of scope
`contract` whose id is recorded on the Web Order); commercial ones through DocuSeal, whose
webhook (stored in Webhook Event first) reports the signature. Either way the acceptance is
recorded first (`record`: name, time, IP, browser, hash and the text accepted on the Quotation,
submitted; the order marked signed) — that is all a signer waits for. Then `fulfil`, a background
job once it commits (at once for DocuSeal, already in a job), writes in one transaction the Sales
Order with its Customer (made from the Lead, see `_customer`), the Service Location, the deposit
invoice (the order's one-time fees) and the referral credits, and fires `on_contract_signed` on
the Quotation (context: `web_order`, `method`; `customer` is the new Customer); after it, more
jobs make the contract's PDF and the customer's copy (`contract_document`: a PDF that cannot be
made never refuses a signature) and the deposit's Stripe Checkout page (a Stripe outage never
loses a signature either). The contract page shows what is being prepared and refreshes; a job
lost (or no worker) is made up by the page itself after 30 s, and by the hourly sweep.

Why a Sales Order and not an ERPNext Subscription: the subscription needs Subscription Plans per
item and bills from its own schedule; the Sales Order keeps the quotation's lines and ERPNext's
taxes as they were accepted, and monthly invoicing can be built on it.
"""

from datetime import datetime, timedelta, timezone

import frappe
from frappe import _
from frappe.utils import (
	add_days,
	add_to_date,
	cint,
	convert_utc_to_system_timezone,
	flt,
	format_datetime,
	get_url,
	getdate,
	now_datetime,
	nowdate,
)
from jinja2.sandbox import SandboxedEnvironment

from gigafibre.auth import magic_link
from gigafibre.auth.service import link_secret, refuse
from gigafibre.errors import GigafibreError, ServiceError
from gigafibre.jobs import enqueue as enqueue_job
from gigafibre.onboarding import catalog, contract_document, contracts, customer_naming, docuseal
from gigafibre.onboarding.address import address_key
from gigafibre.onboarding.order_request import quantity
from gigafibre.onboarding.transaction import one_transaction
from gigafibre.validation import user_errors

# The contract holds what the customer typed (names, street): escaped, unlike Frappe's own Jinja
# environment, since the page shows it as HTML and wkhtmltopdf would run any script in it.
_CONTRACT_JINJA = SandboxedEnvironment(autoescape=True)

# Stripe Checkout pages expire after 24 h: a stored one is reused for a little less.
PAYMENT_PAGE_REUSE = timedelta(hours=23)
# Set while the background job makes an order's payment page (the page shows it being prepared).
_PREPARING = "gigafibre:payment-page-preparing:"
# Set while the background job makes what an acceptance creates (the page shows it being prepared).
_FULFILLING = "gigafibre:order-fulfilling:"
NBSP = "\u00a0"


# ------------------------------------------------------------------ the link


def contract_url(order) -> str:
	"""The order's contract page; the same link id every time (a fresh expiry), so an earlier
	link keeps working and none needs storing."""
	settings = frappe.get_single("Gigafibre Settings")
	lifetime = timedelta(days=cint(settings.contract_link_days) or 14)
	token, claims = magic_link.issue(
		link_secret(),
		order.name,
		contracts.SCOPE,
		datetime.now(timezone.utc),
		lifetime,
		token_id=order.contract_token_id or None,
	)
	if not order.contract_token_id:
		order.db_set("contract_token_id", claims.token_id, update_modified=False)
	return get_url(f"/contract/{token}")


def send_contract_link(order_name: str) -> bool:
	"""Background job: the contract page's link to the email or mobile the order was verified
	with, so a customer who closed the page can come back to sign and pay. A failure is logged."""
	from gigafibre.messaging.language import paragraphs, recipient_language, rendered_in
	from gigafibre.messaging.outbox import queue_to_contact

	order = frappe.get_doc("Web Order", order_name)
	url = contract_url(order)
	with rendered_in(recipient_language(customer=order.customer, web_order=order)):
		subject = _("Your Gigafibre order {0}").format(order.name)
		html = paragraphs(
			_("Hello {0},").format(frappe.utils.escape_html(order.first_name)),
			_("Thank you for your order. Read and sign your contract here: {0}").format(
				f'<a href="{url}">{url}</a>'
			),
			_("The same page shows what is left to pay and what comes next."),
		)
		sms = _("Gigafibre: thank you for your order {0}. Your contract: {1}").format(order.name, url)
	try:
		queue_to_contact(order.identifier, subject, html, sms)
	except (ServiceError, frappe.OutgoingEmailError) as err:
		message = _(err.message).format(*err.args_) if isinstance(err, ServiceError) else str(err)
		frappe.log_error(title=_("Contract link not sent"), message=message)
		return False
	return True


def order_for_token(token: str | None, for_update: bool = False):
	"""The Web Order a contract link opens; 401 with a clear message otherwise."""
	try:
		claims = magic_link.verify(link_secret(), token, contracts.SCOPE, datetime.now(timezone.utc))
	except (magic_link.LinkExpired, magic_link.LinkInvalid) as err:
		refuse(_(err.message))
	found = frappe.db.get_value("Web Order", claims.subject, "contract_token_id")
	if not found or found != claims.token_id:
		refuse(_("This link is not valid."))
	return frappe.get_doc("Web Order", claims.subject, for_update=for_update)


# ------------------------------------------------------------------ the text


def render(order) -> str:
	"""The residential contract of the order, as HTML: the text that is shown, hashed and signed."""
	quote = frappe.get_doc("Quotation", order.quotation)
	template = frappe.db.get_single_value("Gigafibre Settings", "residential_contract") or _read_default()
	items = _items(quote)
	return _CONTRACT_JINJA.from_string(template).render(
		{
			"order": order.as_dict(),
			"quotation": quote.as_dict(),
			"company": frappe.get_cached_doc("Company", quote.company).as_dict(),
			"items": items,
			"taxes": [t.as_dict() for t in quote.taxes if t.tax_amount],
			"deposit": sum(i["amount"] for i in items if i["kind"] == "Fee"),
			"money": format_money,
		}
	)


def _read_default() -> str:
	path = frappe.get_app_path("gigafibre", "templates", "contracts", "residential.html")
	with open(path, encoding="utf-8") as f:
		return f.read()


def format_money(value) -> str:
	"""French-Canadian amounts, the same on every worker: 1 234,50 $."""
	whole, cents = f"{flt(value, 2):,.2f}".split(".")
	return whole.replace(",", NBSP) + "," + cents + NBSP + "$"


def _items(quote) -> list[dict]:
	web = {
		row.name: row
		for row in frappe.get_all(
			"Item",
			filters={"name": ("in", [i.item_code for i in quote.items] or [""])},
			fields=["name", "gigafibre_kind", "gigafibre_name_fr"],
		)
	}
	return [
		{
			"item_code": i.item_code,
			"name": (web[i.item_code].gigafibre_name_fr if i.item_code in web else None) or i.item_name,
			"kind": (web[i.item_code].gigafibre_kind if i.item_code in web else None) or "",
			"qty": quantity(i.qty),
			"rate": i.rate,
			"amount": i.amount,
		}
		for i in quote.items
	]


# ------------------------------------------------------------------ the page's view


def state(order) -> dict:
	"""What the contract page (and the web form polling it) shows of an order."""
	quote = frappe.db.get_value(
		"Quotation",
		order.quotation,
		["name", "currency", "net_total", "grand_total", "gigafibre_accepted_by", "gigafibre_accepted_at"],
		as_dict=True,
	)
	result = {
		"order": order.name,
		"status": order.status,
		"customer_type": order.customer_type or "Individual",
		"contract_method": order.contract_method,
		"contract_status": order.contract_status,
		"currency": quote.currency if quote else None,
		"grand_total": quote.grand_total if quote else None,
		"accepted_by": quote.gigafibre_accepted_by if quote else None,
		"accepted_at": format_datetime(quote.gigafibre_accepted_at, "d MMMM yyyy, HH:mm")
		if quote and quote.gigafibre_accepted_at
		else None,
		"signing_url": order.docuseal_signing_url if order.contract_method == contracts.DOCUSEAL else None,
		"contract_error": order.contract_error or None,
		# Signed, and the customer, sales order and deposit are being made (see `fulfil`).
		"preparing": order.contract_status == "Signed" and order.status != "Accepted",
		"deposit": None,
	}
	if order.deposit_invoice:
		invoice = frappe.db.get_value(
			"Sales Invoice", order.deposit_invoice, ["grand_total", "outstanding_amount"], as_dict=True
		)
		result["deposit"] = {
			"invoice": order.deposit_invoice,
			"amount": invoice.grand_total,
			"outstanding": invoice.outstanding_amount,
			"paid": flt(invoice.outstanding_amount) <= 0,
			"payment_url": order.payment_url if flt(invoice.outstanding_amount) > 0 else None,
		}
		result["deposit"]["payment_pending"] = bool(
			not result["deposit"]["paid"]
			and not result["deposit"]["payment_url"]
			and frappe.cache.get_value(_PREPARING + order.name)
		)
	return result


def page(order) -> dict:
	"""What a contract link opens: the state (with the deposit's payment page once signed) and,
	while a residential contract awaits its signature, its text, SHA-256 and whose name to type."""
	if (
		order.contract_status == "Signed"
		and order.status != "Accepted"
		and not frappe.cache.get_value(_FULFILLING + order.name)
	):
		# The job was lost (or no worker runs): made now, kept past the GET's rollback.
		order = frappe.get_doc("Web Order", order.name, for_update=True)
		if order.status != "Accepted":
			_fulfil(order)
			contract_document.enqueue(order.name)
			frappe.local.flags.commit = True
	if (
		order.contract_status == "Signed"
		and order.status == "Accepted"
		and not frappe.cache.get_value(_PREPARING + order.name)
	):
		# On demand (the background job is done, or was lost): the row lock waits for a job still
		# calling Stripe and then reads what it stored, so two pages are never made at once.
		order = frappe.get_doc("Web Order", order.name, for_update=True)
		ensure_payment_page(order)
		order.reload()
	result = state(order)
	if order.contract_method == contracts.SIGNED_LINK and order.contract_status != "Signed":
		html = render(order)
		result.update(
			{
				"contract_html": html,
				"contract_hash": contracts.contract_hash(html),
				"signer_name": signer_name(order),
			}
		)
	return result


def signer_name(order) -> str:
	return f"{order.first_name} {order.last_name}"


# ------------------------------------------------------------------ residential: the signed link


def accept_signed_link(token: str | None, full_name: str | None, agree, contract_hash: str | None) -> dict:
	"""The person behind a contract link accepts it; answers the order's state (with the deposit's
	payment page). Accepting an accepted contract answers the same state."""
	order = order_for_token(token, for_update=True)
	if order.contract_status == "Signed":
		return _state_after_wait(order)
	if order.contract_method != contracts.SIGNED_LINK:
		frappe.throw(_("This contract is signed through DocuSeal: use the link DocuSeal sent."))
	_check_still_valid(order)
	html = render(order)
	ip, user_agent = _client()
	with user_errors():
		acceptance = contracts.accept(
			expected_name=signer_name(order),
			typed_name=full_name,
			agreed=agree,
			shown_hash=contract_hash,
			current_text=html,
			ip=ip,
			user_agent=user_agent,
			now=datetime.now(timezone.utc),
			reference=order.contract_token_id,
		)
	return _sign(order, acceptance, html)


STAFF_ROLES = ("Gigafibre Manager", "Sales User", "Sales Manager", "System Manager")


def accept_for_client(order_name: str, how_agreed: str | None) -> dict:
	"""Staff accept a web order's contract for the customer (a phone order): the same records as a
	signature, with who accepted and how the customer agreed as the evidence."""
	frappe.only_for(STAFF_ROLES)
	if not order_name or not frappe.db.exists("Web Order", order_name):
		frappe.throw(_("Web Order {0} not found.").format(order_name), exc=frappe.DoesNotExistError)
	order = frappe.get_doc("Web Order", order_name, for_update=True)
	if order.contract_status == "Signed":
		return _state_after_wait(order)
	_check_still_valid(order)
	if not order.quotation:
		frappe.throw(_("Web Order {0} has no quotation yet.").format(order.name))
	html = render(order)
	ip, user_agent = _client()
	with user_errors():
		acceptance = contracts.accept_on_behalf(
			customer_name=order.company_name or signer_name(order),
			staff_user=frappe.session.user,
			how_agreed=how_agreed,
			current_text=html,
			ip=ip,
			user_agent=user_agent,
			now=datetime.now(timezone.utc),
		)
	return _sign(order, acceptance, html)


def _client() -> tuple[str | None, str | None]:
	"""The IP address and browser of the request that accepts."""
	request = getattr(frappe.local, "request", None)
	return getattr(frappe.local, "request_ip", None), request.headers.get("User-Agent") if request else None


def _sign(order, acceptance: contracts.Acceptance, html: str) -> dict:
	"""The acceptance recorded; what it creates, its PDF and the deposit's payment page after it
	commits. The order's state (shown as being prepared)."""
	record(order, acceptance, html=html)
	fulfil_later(order)
	if frappe.session.user == "Guest":
		# What ERPNext said while making the records (a customer renamed, a credit allocated) is
		# for staff, and may name other customers: nothing of it reaches a guest.
		frappe.clear_messages()
	order.reload()
	return state(order)


def after_acceptance(order) -> None:
	"""Background jobs, run once the acceptance commits: the contract's PDF and the customer's
	copy, and the deposit's Stripe page."""
	contract_document.enqueue(order.name)
	request_payment_page(order)


def _state_after_wait(order) -> dict:
	"""The state of an order a concurrent acceptance has just completed (we waited on its lock).
	This request's reads still see the database as it was before (InnoDB's repeatable read), so
	without its records: end the transaction — nothing is written yet — and read again. (Not in
	bench tests, whose one transaction holds everything and sees its own writes.)"""
	if not frappe.flags.in_test:
		frappe.db.commit()
	order.reload()
	return state(order)


def _check_still_valid(order) -> None:
	if order.status == "Cancelled":
		frappe.throw(_("This order was cancelled."))
	valid_till = frappe.db.get_value("Quotation", order.quotation, "valid_till")
	if valid_till and getdate(valid_till) < getdate(nowdate()):
		frappe.throw(
			_("This offer expired on {0}. Place a new order to get today's prices.").format(
				frappe.utils.formatdate(valid_till)
			)
		)


# ------------------------------------------------------------------ commercial: DocuSeal


def docuseal_client() -> docuseal.DocuSealClient:
	settings = frappe.get_single("Gigafibre Settings")
	return docuseal.DocuSealClient(
		settings.docuseal_url, settings.get_password("docuseal_api_key", raise_exception=False) or ""
	)


def send_to_docuseal(order) -> None:
	"""Create the DocuSeal submission of a company order (once); a failure is kept on the order
	(`contract_error`) and the next call of the order endpoint tries again."""
	if order.docuseal_submission:
		return
	settings = frappe.get_single("Gigafibre Settings")
	try:
		client = docuseal_client()
		try:
			submission = client.create_submission(
				cint(settings.docuseal_template_id),
				f"{order.first_name} {order.last_name}",
				order.email,
				external_id=order.name,
				completed_redirect_url=contract_url(order),
			)
		finally:
			client.close()
	except ServiceError as err:
		order.db_set("contract_error", _(err.message).format(*err.args_), update_modified=False)
		return
	order.db_set(
		{
			"docuseal_submission": submission.submission_id,
			"docuseal_signing_url": submission.signing_url,
			"contract_status": "Sent",
			"contract_error": None,
		}
	)
	frappe.db.set_value(
		"Quotation",
		order.quotation,
		{"gigafibre_contract_status": "Sent", "gigafibre_contract_method": contracts.DOCUSEAL},
		update_modified=False,
	)


def handle_docuseal(webhook_event) -> str:
	"""Webhook handler (a stored DocuSeal event): a completed submission completes its order, a
	declined one is recorded; anything else is ignored."""
	import json

	outcome = docuseal.outcome(json.loads(webhook_event.raw_body or "null"))
	if outcome is None:
		return "ignored"
	name = frappe.db.get_value("Web Order", {"docuseal_submission": outcome.submission_id}, "name")
	if not name:
		return "ignored"
	order = frappe.get_doc("Web Order", name, for_update=True)
	if order.contract_status == "Signed":
		return order.name
	if outcome.status == docuseal.DECLINED:
		order.db_set("contract_status", "Declined")
		frappe.db.set_value("Quotation", order.quotation, "gigafibre_contract_status", "Declined")
		return "declined"
	client = docuseal_client()
	try:
		pdf = b"".join(client.download(url) for _name, url in outcome.documents[:1])
	finally:
		client.close()
	acceptance = contracts.Acceptance(
		full_name=outcome.signer_name or signer_name(order),
		accepted_at=outcome.at or datetime.now(timezone.utc),
		ip=outcome.ip[:45],
		user_agent=outcome.user_agent[: contracts.MAX_USER_AGENT],
		contract_hash=contracts.document_hash(pdf) if pdf else "",
		method=contracts.DOCUSEAL,
		reference=outcome.submission_id,
	)
	complete(order, acceptance, pdf=pdf or None)
	contract_document.enqueue(order.name)
	ensure_payment_page(order)  # already in a background job
	return order.name


# ------------------------------------------------------------------ what accepting creates


def complete(
	order, acceptance: contracts.Acceptance, html: str | None = None, pdf: bytes | None = None
) -> None:
	"""The acceptance recorded, then everything it creates, at once (a background job already:
	DocuSeal's webhook). `pdf` is a document signed elsewhere."""
	record(order, acceptance, html=html, pdf=pdf)
	_fulfil(order)


def record(
	order, acceptance: contracts.Acceptance, html: str | None = None, pdf: bytes | None = None
) -> None:
	"""The acceptance on the Quotation (submitted), with `html`, the text accepted (its PDF is
	made afterwards), or `pdf`, a document signed elsewhere; the order marked signed."""
	with one_transaction():
		quote = frappe.get_doc("Quotation", order.quotation)
		quote.update(
			{
				"gigafibre_contract_status": "Signed",
				"gigafibre_contract_method": acceptance.method,
				"gigafibre_accepted_by": acceptance.full_name,
				# Datetime fields hold the site's time zone; the PDF's record says UTC.
				"gigafibre_accepted_at": convert_utc_to_system_timezone(acceptance.accepted_at).replace(
					tzinfo=None, microsecond=0
				),
				"gigafibre_accepted_ip": acceptance.ip,
				"gigafibre_accepted_user_agent": acceptance.user_agent,
				"gigafibre_contract_hash": acceptance.contract_hash,
				"gigafibre_contract_reference": acceptance.reference,
				"gigafibre_contract_text": html,
				"gigafibre_contract_pdf_status": contract_document.PENDING,
				"gigafibre_contract_pdf_attempts": 0,
			}
		)
		quote.flags.ignore_permissions = True
		if quote.docstatus == 0:
			quote.submit()
		else:
			quote.save()
		if pdf:
			file = contract_document.attach(quote.name, f"contrat-{order.name}.pdf", pdf)
			quote.db_set(
				{
					"gigafibre_contract_pdf": file.file_url,
					"gigafibre_contract_pdf_status": contract_document.MADE,
				},
				update_modified=False,
			)
		order.update({"contract_status": "Signed", "contract_method": acceptance.method})
		order.flags.ignore_permissions = True
		order.save()


def fulfil_later(order) -> None:
	"""What the acceptance creates, by a background job once it commits (see `fulfil`)."""
	frappe.cache.set_value(_FULFILLING + order.name, 1, expires_in_sec=30)
	enqueue_job(
		"gigafibre.onboarding.acceptance.fulfil",
		order_name=order.name,
		job_id=f"gigafibre-fulfil-{order.name}",
		deduplicate=True,
	)


def fulfil(order_name: str) -> None:
	"""Background job: everything a recorded acceptance creates (once), then the jobs for its PDF
	and the deposit's payment page. A failure stays on the order for staff; the hourly sweep and
	the contract page try again."""
	try:
		order = frappe.get_doc("Web Order", order_name, for_update=True)
		if order.contract_status != "Signed" or order.status == "Accepted":
			return
		savepoint = "gigafibre_fulfil"
		frappe.db.savepoint(savepoint)
		try:
			_fulfil(order)
		except Exception as err:
			if frappe.flags.in_test:
				raise
			frappe.db.rollback(save_point=savepoint)
			frappe.log_error(
				title=_("Signed order not finished"), reference_doctype="Web Order", reference_name=order_name
			)
			order.db_set("contract_error", str(err)[:500] or type(err).__name__, update_modified=False)
			return
		after_acceptance(order)
	finally:
		frappe.cache.delete_value(_FULFILLING + order_name)


def finish_signed() -> None:
	"""Scheduler (with the contract PDFs): signed orders whose records a lost job never made."""
	cutoff = add_to_date(now_datetime(), minutes=-10)
	for name in frappe.get_all(
		"Web Order",
		filters={
			"contract_status": "Signed",
			"status": ("not in", ("Accepted", "Cancelled")),
			"modified": ("<", cutoff),
		},
		pluck="name",
		limit=100,
	):
		frappe.db.commit()  # a fresh transaction per order: one failure keeps the others
		fulfil(name)
	frappe.db.commit()


def _fulfil(order) -> None:
	"""Everything an accepted contract creates, in one transaction (see the module docstring)."""
	from gigafibre.flows import dispatch_event
	from gigafibre.onboarding import referrals

	with one_transaction():
		quote = frappe.get_doc("Quotation", order.quotation)
		method = quote.gigafibre_contract_method
		sales_order = _sales_order(quote, order)
		customer = sales_order.customer
		location = _service_location(order, customer)
		deposit = _deposit_invoice(sales_order, order.name)
		referral = referrals.apply(order, customer) if order.referral_code else None
		order.update(
			{
				"status": "Accepted",
				"customer": customer,
				"service_location": location,
				"sales_order": sales_order.name,
				"deposit_invoice": deposit,
				"referral": referral,
				"contract_error": None,
			}
		)
		order.flags.ignore_permissions = True
		order.save()
		# On the Quotation, where the acceptance is recorded; the web order rides along. Templates
		# written for the Web Order itself start on it (those for any document type, once).
		dispatch_event(
			"on_contract_signed",
			quote,
			web_order={
				"name": order.name,
				"customer": customer,
				"service_location": location,
				"sales_order": sales_order.name,
				"deposit_invoice": deposit,
				"customer_type": order.customer_type,
			},
			method=method,
			dedupe_key=order.name,
		)
		dispatch_event(
			"on_contract_signed",
			order,
			own_templates_only=True,
			quotation=quote.name,
			method=method,
			dedupe_key=order.name,
		)


def _sales_order(quote, order):
	"""ERPNext's own Quotation → Sales Order mapping, for the Customer made from the Lead."""
	from erpnext.selling.doctype.quotation.quotation import _make_sales_order

	group = frappe.db.get_single_value("Selling Settings", "customer_group") or frappe.db.get_value(
		"Customer Group", {"is_group": 0}, "name"
	)
	if quote.quotation_to == "Lead":
		_customer(quote.party_name, group, order)
	sales_order = _make_sales_order(quote.name, customer_group=group, ignore_permissions=True)
	days = cint(frappe.db.get_single_value("Gigafibre Settings", "install_lead_days") or 7)
	delivery = add_days(nowdate(), max(days, 0))
	sales_order.delivery_date = delivery
	for item in sales_order.items:
		item.delivery_date = delivery
	sales_order.flags.ignore_permissions = True
	sales_order.insert()
	sales_order.submit()
	return sales_order


def _customer(lead: str, group: str, order) -> str:
	"""The Customer of a Lead: the one made from it earlier, else a new one by ERPNext's Lead
	mapping. Named after the customer, ERPNext's "- 1" for a second of the same name is replaced by
	the service address's postal code (see `customer_naming`); another naming (a series) is kept."""
	from erpnext.crm.doctype.lead.lead import _make_customer

	existing = frappe.db.get_value("Customer", {"lead_name": lead}, "name")
	if existing:
		return existing
	customer = frappe.get_doc(_make_customer(lead, ignore_permissions=True))
	customer.customer_group = group
	customer.flags.ignore_permissions = True
	name = None
	if (frappe.defaults.get_global_default("cust_master_name") or "Customer Name") == "Customer Name":
		name = customer_naming.customer_id(
			customer.customer_name,
			order.postal_code,
			order.name,
			lambda candidate: bool(frappe.db.exists("Customer", candidate)),
		)
	customer.insert(set_name=name)
	return customer.name


def _service_location(order, customer: str) -> str:
	existing = frappe.db.get_value(
		"Service Location",
		{
			"customer": customer,
			"address_line1": f"{order.civic_number} {order.street}",
			"postal_code": order.postal_code,
		},
		"name",
	)
	if existing:
		return existing
	known = (
		frappe.db.get_value(
			"Serviceable Address",
			{"address_key": address_key(order.civic_number, order.street, order.postal_code)},
			["latitude", "longitude", "olt", "pon_port"],
			as_dict=True,
		)
		or frappe._dict()
	)
	phone = order.identifier if "@" not in (order.identifier or "") else None
	email = order.email or (order.identifier if "@" in (order.identifier or "") else None)
	location = frappe.get_doc(
		{
			"doctype": "Service Location",
			"customer": customer,
			"location_status": "Pending",
			"address_line1": f"{order.civic_number} {order.street}",
			"city": order.city,
			"province": "QC",
			"postal_code": order.postal_code,
			"latitude": known.latitude,
			"longitude": known.longitude,
			"olt": known.olt,
			"pon_port": known.pon_port,
			"contacts": [
				{
					"contact_name": f"{order.first_name} {order.last_name}",
					"contact_role": _("Customer"),
					"phone": phone,
					"email": email,
				}
			],
		}
	)
	location.insert(ignore_permissions=True)
	return location.name


def _deposit_invoice(sales_order, web_order: str) -> str | None:
	"""The order's one-time fees (Items of web kind "Fee"), invoiced now with their taxes; None
	when the order has none."""
	from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

	fees = catalog.fee_items([i.item_code for i in sales_order.items])
	if not fees:
		return None
	invoice = make_sales_invoice(sales_order.name, ignore_permissions=True)
	invoice.set("items", [i for i in invoice.items if i.item_code in fees])
	# The amount the contract states, to the cent: no rounding to the dollar on this one.
	invoice.disable_rounded_total = 1
	invoice.calculate_taxes_and_totals()
	invoice.remarks = _("Deposit for web order {0}").format(web_order)
	invoice.flags.ignore_permissions = True
	invoice.insert()
	invoice.submit()
	return invoice.name


def request_payment_page(order) -> None:
	"""The deposit's Stripe page, made by a background job once the acceptance commits."""
	if not order.deposit_invoice:
		return
	frappe.cache.set_value(_PREPARING + order.name, 1, expires_in_sec=30)
	enqueue_job(
		"gigafibre.onboarding.acceptance.make_payment_page",
		order_name=order.name,
		job_id=f"gigafibre-payment-page-{order.name}",
		deduplicate=True,
	)


def make_payment_page(order_name: str) -> None:
	"""Background job: the deposit's Stripe page (see `ensure_payment_page`)."""
	try:
		ensure_payment_page(frappe.get_doc("Web Order", order_name, for_update=True))
	finally:
		frappe.cache.delete_value(_PREPARING + order_name)


def ensure_payment_page(order) -> None:
	"""A Stripe Checkout page for what is left on the deposit (reused for 23 h). A Stripe failure
	is kept on the order (`contract_error`) for the page to show; the next view tries again."""
	from gigafibre.payments.service import PaymentUnavailable, checkout_for_invoice

	if not order.deposit_invoice:
		return
	outstanding = flt(frappe.db.get_value("Sales Invoice", order.deposit_invoice, "outstanding_amount"))
	if outstanding <= 0:
		return
	created = order.payment_url_created_at
	if (
		order.payment_url
		and created
		and add_to_date(created, seconds=PAYMENT_PAGE_REUSE.total_seconds()) > now_datetime()
	):
		return
	page = contract_url(order)
	savepoint = "gigafibre_payment_page"
	frappe.db.savepoint(savepoint)
	try:
		url = checkout_for_invoice(order.deposit_invoice, f"{page}?paid=1", page)
	except (PaymentUnavailable, frappe.ValidationError, GigafibreError) as err:
		frappe.db.rollback(save_point=savepoint)
		frappe.clear_last_message()
		order.db_set("contract_error", str(err), update_modified=False)
		return
	order.db_set(
		{"payment_url": url, "payment_url_created_at": now_datetime(), "contract_error": None},
		update_modified=False,
	)
	# Kept even when a page view (a GET, which Frappe rolls back) made it: Stripe has the page and
	# its customer now.
	frappe.local.flags.commit = True
