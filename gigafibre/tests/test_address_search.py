"""Address search as households type it, through the guest endpoint (issue 14, point 10)."""

import uuid

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.tests.utils import call_endpoint, serviceable_address

SEARCH = "gigafibre.api.checkout.search_address"
# A street no other test or demo record uses, so every answer below is about our own rows.
STREET = "rue des Érables-Argentés"


class TestAddressSearchAsTyped(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for civic, city, postal, status in (
			("4120", "Laval", "H7P 5L3", "Serviceable"),
			("4120", "Terrebonne", "J6W 1A1", "Planned"),
			("4122", "Laval", "H7P 5L3", "Serviceable"),
		):
			serviceable_address(
				civic_number=civic,
				street=STREET,
				city=city,
				postal_code=postal,
				status=status,
				olt="OLT-LAVAL-1" if status == "Serviceable" else None,
			)
		serviceable_address(
			civic_number="15",
			street="boulevard Saint-Martin Ouest",
			city="Laval",
			postal_code="H7M 1Y2",
			status="Serviceable",
		)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None
		frappe.local.lang = "en"

	def search(self, q: str) -> list[dict]:
		# GET as the page sends it, from a fresh address each time (the per-IP limit outlasts tests)
		ip = f"127.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
		return call_endpoint(SEARCH, get=True, request_ip=ip, headers={"Accept-Language": "fr-CA"}, q=q)

	def labels(self, q: str) -> list[str]:
		return [r["label"] for r in self.search(q)]

	def test_the_label_the_search_answers_finds_the_address(self):
		label = f"4120 {STREET}, Laval H7P 5L3"
		self.assertEqual(self.labels(label), [label])
		found = self.search(label)[0]
		self.assertTrue(found["serviceable"])
		self.assertEqual(found["message"], "La fibre est offerte à cette adresse.")

	def test_commas_city_province_apartment_and_accents_do_not_defeat_it(self):
		laval = f"4120 {STREET}, Laval H7P 5L3"
		for typed in (
			"4120 rue des Érables-Argentés, Laval",
			"4120 rue des Erables-Argentes, Laval, QC",
			"4120, rue des érables argentés, Laval (Québec) H7P 5L3",
			"4120 rue des Érables-Argentés app. 2, Laval",
			"2-4120 rue des Érables-Argentés, Laval",
			"4120 rue des Érables-Argentés #2 H7P 5L3",
			"4120 rue des Érables-Argentés Laval",
			"4120 r. des Érables-Argentés Laval QC",
		):
			with self.subTest(typed=typed):
				self.assertEqual(self.labels(typed), [laval])

	def test_the_city_tells_two_streets_of_the_same_name_apart(self):
		self.assertEqual(
			[(r["city"], r["status"]) for r in self.search("4120 rue des Érables-Argentés, Terrebonne")],
			[("Terrebonne", "Planned")],
		)
		# without a city, both, the serviceable one first
		self.assertEqual(
			[r["city"] for r in self.search("4120 rue des Érables-Argentés")], ["Laval", "Terrebonne"]
		)

	def test_abbreviations_of_street_types_and_saints(self):
		label = "15 boulevard Saint-Martin Ouest, Laval H7M 1Y2"
		for typed in ("15 boul. St-Martin O", "15 Boulevard Saint-Martin Ouest, Laval", "15 bd st martin"):
			with self.subTest(typed=typed):
				self.assertEqual(self.labels(typed), [label])

	def test_an_address_we_do_not_know_says_so_in_a_way_a_page_can_show(self):
		results = self.search("9876 rue des Érables-Argentés, Laval H7P 5L3")
		self.assertEqual(len(results), 1, results)
		self.assertEqual(results[0]["label"], "9876 rue des Érables-Argentés, Laval H7P 5L3")
		self.assertFalse(results[0]["serviceable"])
		self.assertEqual(results[0]["status"], "Unknown")
		self.assertIn("Nous ne desservons pas encore cette adresse", results[0]["message"])
		# half an address is not an address: nothing to show yet
		self.assertEqual(self.search("zzyzx-inconnue"), [])
