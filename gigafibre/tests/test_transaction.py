"""one_transaction holds other apps' commits and gives back whatever shadowed the commit before."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from gigafibre.onboarding.transaction import one_transaction


class TestOneTransaction(FrappeTestCase):
	def test_nested_inside_a_patched_commit_the_patch_survives(self):
		# A test's patched commit used to be deleted by the block, so the code after it committed
		# the whole test transaction for real.
		with patch.object(frappe.db, "commit") as patched:
			with one_transaction():
				frappe.db.commit()
			self.assertIs(frappe.db.commit, patched)
			frappe.db.commit()
		patched.assert_called_once()
		self.assertNotIn("commit", frappe.db.__dict__)

	def test_alone_it_holds_then_restores_the_real_commit(self):
		with one_transaction():
			self.assertIn("commit", frappe.db.__dict__)
		self.assertNotIn("commit", frappe.db.__dict__)
