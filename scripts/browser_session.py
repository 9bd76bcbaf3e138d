"""What the Chromium end-to-end scripts share: the site from the command line, a desk user of
their own, Debian's Chromium and the desk sign-in. Bench-side (run from `<bench>/sites`)."""

import argparse
from pathlib import Path

import frappe

CHROMIUM = "/usr/bin/chromium"


def connect(**extra_arguments) -> argparse.Namespace:
	"""--site, --url (the served site), --shots (where screenshots go, made) and the script's own
	`extra_arguments` (name -> default); then connected to the site as Administrator."""
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--url", required=True)
	parser.add_argument("--shots", default="/tmp")
	for name, default in extra_arguments.items():
		parser.add_argument(f"--{name}", default=default)
	args = parser.parse_args()
	args.shots = Path(args.shots)
	args.shots.mkdir(parents=True, exist_ok=True)
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return args


def desk_user(prefix: str, role: str) -> tuple[str, str]:
	"""A new desk user with `role` and a password of its own: (email, password). Committed, so the
	served site sees it; remove it at the end."""
	password = frappe.generate_hash(length=16)
	email = (
		frappe.get_doc(
			{
				"doctype": "User",
				"email": f"{prefix}-{frappe.generate_hash(length=6)}@example.com",
				"first_name": prefix.replace("-", " ").title(),
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": role}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	frappe.db.commit()
	return email, password


def chromium(playwright, *flags: str):
	return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", *flags])


def sign_in(page, url: str, email: str, password: str) -> None:
	"""Through the desk's own login page, until the desk is there."""
	page.goto(f"{url}/login")
	page.fill("#login_email", email)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**", timeout=30000)
