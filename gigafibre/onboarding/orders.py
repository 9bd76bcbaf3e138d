"""A web order: Lead -> Quotation in one transaction, once per order key.

The caller proved its email or phone with a code (`otp_service.checkout_identifier`). The Web
Order row is written first: its unique order key makes a concurrent double submit wait, then fail
on the index, roll back and answer with the first order. Customer, Service Location and the Sales
Order on acceptance come next (see the Web Order's `customer` and `service_location`).
"""

import json

import frappe
from frappe import _

from gigafibre.messaging.language import request_language
from gigafibre.onboarding import addresses, catalog, contracts, order_request
from gigafibre.onboarding.address import PLANNED, SERVICEABLE
from gigafibre.onboarding.transaction import one_transaction
from gigafibre.validation import user_errors


class AddressNotServiceable(frappe.ValidationError):
	http_status_code = 422


def place(identifier: str, request: order_request.OrderRequest, raw: dict) -> dict:
	existing = _existing(request.order_key, identifier)
	if existing:
		return existing
	referral_code, referrer = "", None
	if request.referral_code:
		from gigafibre.onboarding import referrals

		with user_errors(title=_("Referral code")):
			referral_code, referrer = referrals.validate(request.referral_code, identifier)
	status = addresses.status_for(request.civic_number, request.street, request.postal_code)
	if status != SERVICEABLE:
		if status == PLANNED:
			message = _("Our fibre network will reach this address soon, but cannot serve it yet.")
		else:
			message = _("Our fibre network does not reach this address yet.")
		frappe.throw(message, exc=AddressNotServiceable, title=_("Address not served"))
	ctx = catalog.selling_context()
	lines = _priced_lines(ctx, request.lines)
	with one_transaction():
		order = _claim(identifier, request, status, raw, referral_code, referrer)
		if isinstance(order, dict):
			return order  # a concurrent submit with this key won
		lead = _lead(identifier, request, ctx.company)
		quote = catalog.quotation(ctx, lines, quotation_to="Lead", party_name=lead)
		quote.flags.ignore_permissions = True
		quote.insert()
		company = request.customer_type == order_request.COMPANY
		method = contracts.DOCUSEAL if company else contracts.SIGNED_LINK
		order.update(
			{
				"status": "Quoted",
				"lead": lead,
				"quotation": quote.name,
				"currency": quote.currency,
				"grand_total": quote.grand_total,
				"contract_method": method,
				"contract_status": "" if company else "Sent",
			}
		)
		order.save(ignore_permissions=True)
		if not company:
			quote.db_set({"gigafibre_contract_status": "Sent", "gigafibre_contract_method": method})
	# Once, for a new order (a replay answers without sending it again): stored in the outbox with
	# the order, sent by its job.
	from gigafibre.onboarding.acceptance import send_contract_link

	send_contract_link(order.name)
	return _with_contract(order.name)


def _with_contract(name: str) -> dict:
	"""The order's summary with its contract: the signed link's page, and for a company order the
	DocuSeal submission (created now if an earlier try failed)."""
	from gigafibre.onboarding import acceptance

	order = frappe.get_doc("Web Order", name)
	if order.contract_method == contracts.DOCUSEAL and not order.docuseal_submission:
		acceptance.send_to_docuseal(order)
		order.reload()
	result = summary(name)
	result["contract"] = {
		"method": order.contract_method,
		"status": order.contract_status,
		"url": acceptance.contract_url(order),
		"signing_url": order.docuseal_signing_url or None,
		"error": order.contract_error or None,
	}
	return result


def _claim(
	identifier: str,
	request: order_request.OrderRequest,
	status: str,
	raw: dict,
	referral_code: str = "",
	referrer: str | None = None,
):
	"""The new Web Order holding the key, or the summary of the one a concurrent submit committed."""
	savepoint = "gigafibre_web_order"
	frappe.db.savepoint(savepoint)
	try:
		return frappe.get_doc(
			{
				"doctype": "Web Order",
				"order_key": request.order_key,
				"status": "Pending",
				"identifier": identifier,
				"first_name": request.first_name,
				"last_name": request.last_name,
				"customer_type": request.customer_type,
				"company_name": request.company_name,
				"email": request.email or (identifier if "@" in identifier else ""),
				"referral_code": referral_code,
				"referrer": referrer,
				"civic_number": request.civic_number,
				"street": request.street,
				"city": request.city,
				"postal_code": request.postal_code,
				"serviceability": status,
				# What background jobs write to this household in, and their Customer's language.
				"language": request_language(),
				"request": json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str),
			}
		).insert(ignore_permissions=True)
	except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
		# Another submit with this key committed first (the unique index made us wait for it). Our
		# reads still see the database as it was when this request began (InnoDB's repeatable
		# read), without that order: end the transaction — nothing is written yet — to see it.
		# (Bench tests run in one transaction that must survive: there, a savepoint.)
		frappe.db.rollback(save_point=savepoint if frappe.flags.in_test else None)
		frappe.clear_last_message()
		return _existing(request.order_key, identifier) or _refuse_key()


def summary(name: str) -> dict:
	order = frappe.get_doc("Web Order", name)
	result = {"order": order.name, "order_key": order.order_key, "status": order.status}
	if order.quotation:
		quote = frappe.get_doc("Quotation", order.quotation)
		fees = catalog.fee_items([i.item_code for i in quote.items])
		result.update(
			{
				"quotation": quote.name,
				"currency": quote.currency,
				"items": [
					{
						"item_code": i.item_code,
						"name": i.item_name,
						"qty": order_request.quantity(i.qty),
						"amount": i.amount,
					}
					for i in quote.items
				],
				"net_total": quote.net_total,
				"taxes": [
					{"description": t.description, "rate": t.rate, "amount": t.tax_amount}
					for t in quote.taxes
				],
				"grand_total": quote.grand_total,
				# What the contract's signature will invoice at once (the one-time fees, before taxes).
				"deposit_net": sum(i.amount for i in quote.items if i.item_code in fees),
			}
		)
	return result


def _existing(order_key: str, identifier: str) -> dict | None:
	found = frappe.db.get_value("Web Order", {"order_key": order_key}, ["name", "identifier"], as_dict=True)
	if not found:
		return None
	if found.identifier != identifier:
		_refuse_key()
	return _with_contract(found.name)


def _refuse_key():
	frappe.throw(
		_("This order key is already used by another order. Reload the page and try again."),
		exc=frappe.DuplicateEntryError,
	)


def _priced_lines(ctx, lines: tuple[order_request.OrderLine, ...]) -> list[tuple]:
	items = {i.item_code: i for i in catalog.web_items([line.item_code for line in lines])}
	prices = catalog.prices_for(ctx.price_list, list(items))
	priced = []
	for line in lines:
		item = items.get(line.item_code)
		if not item or line.item_code not in prices:
			frappe.throw(_("{0} is not for sale on the website.").format(line.item_code))
		priced.append((item, prices[line.item_code], line.qty))
	if not any(item.gigafibre_kind == "Plan" for item, _price, _qty in priced):
		frappe.throw(_("Choose an Internet plan."))
	return priced


def _lead(identifier: str, request: order_request.OrderRequest, company: str) -> str:
	"""The Lead of this email or mobile (updated), else a new one. A converted Lead is reused too:
	ERPNext refuses a second Lead with the same email, and a returning customer's Quotation on
	their own Lead maps to their existing Customer when accepted."""
	field = "email_id" if "@" in identifier else "mobile_no"
	leads = frappe.get_all(
		"Lead", filters={field: identifier}, fields=["name", "status"], order_by="modified desc"
	)
	open_leads = [lead for lead in leads if lead.status not in ("Converted", "Do Not Contact")]
	found = (open_leads or leads or [None])[0]
	lead = frappe.get_doc("Lead", found.name) if found else frappe.new_doc("Lead")
	lead.update(
		{
			"first_name": request.first_name,
			"last_name": request.last_name,
			field: identifier,
			"company": company,
			# ERPNext copies it to the Customer made from this Lead.
			"language": request_language(),
			# A company name makes ERPNext's Lead -> Customer a Company customer of that name.
			"company_name": request.company_name or lead.company_name or None,
		}
	)
	if (
		request.email
		and field != "email_id"
		and not lead.email_id
		and not frappe.db.exists("Lead", {"email_id": request.email, "name": ("!=", lead.name or "")})
	):
		# A second email must not collide with another Lead's (ERPNext keeps them unique).
		lead.email_id = request.email
	lead.flags.ignore_permissions = True
	lead.save()
	return lead.name
