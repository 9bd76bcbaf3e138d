import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.demo import make_demo_data


class TestDemoData(FrappeTestCase):
	def test_second_run_adds_nothing(self):
		# A different seed from the default keeps these rows apart from a site's real demo data.
		first = make_demo_data(locations=12, jobs=5, seed=7, commit=False)
		self.assertEqual((first["locations"], first["jobs"]), (12, 5))
		self.assertEqual(frappe.db.count("Technician", {"full_name": "Josée Gagnon"}), 1)
		again = make_demo_data(locations=12, jobs=5, seed=7, commit=False)
		self.assertEqual(again, {"technicians": 0, "customers": 0, "locations": 0, "equipment": 0, "jobs": 0})
		job = frappe.get_last_doc("Dispatch Job")
		self.assertTrue(frappe.db.exists("Service Location", job.service_location))
