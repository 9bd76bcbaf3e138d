"""Job Templates end to end: a template's values copied onto a job by hand, by a flow and by
onboarding; completion refused while required checklist items are missing (named); the
technician page's checklist endpoints (tick, measurement, photo, scan), their refusals, and
another technician's job."""

import io
import json
import uuid
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from gigafibre.dispatch import templates
from gigafibre.dispatch.templates import ChecklistIncomplete
from gigafibre.tech import links
from gigafibre.tests.utils import call_endpoint, make_location, make_technician

API = "gigafibre.api.tech."


def jpeg() -> bytes:
	from PIL import Image

	out = io.BytesIO()
	Image.new("RGB", (8, 8), (20, 90, 200)).save(out, format="JPEG")
	return out.getvalue()


class TestJobTemplates(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		tag = "Fibre test modèle"
		if not frappe.db.exists("Tag", tag):
			frappe.get_doc({"doctype": "Tag", "__newname": tag}).insert(ignore_permissions=True)
		cls.tag = tag
		cls.template = cls.make_template(f"Installation test {uuid.uuid4().hex[:6]}")
		cls.tech = make_technician(full_name="Tech Modèle", mobile="514 555-0191")
		cls.other = make_technician(full_name="Tech Voisin", mobile="514 555-0192")
		cls.location = make_location(address_line1="77 rue des Modèles")
		cls.token = links.issue_link(cls.tech.name)[0]
		cls.other_token = links.issue_link(cls.other.name)[0]

	def setUp(self):
		frappe.set_user("Administrator")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.lang = "en"

	@classmethod
	def make_template(cls, name, **fields):
		return frappe.get_doc(
			{
				"doctype": "Job Template",
				"template_name": name,
				"job_type": "Install",
				"default_duration": 95,
				"required_skills": [{"skill": cls.tag}],
				"instructions": "Poser l'ONT.",
				"checklist_items": [
					{
						"label": "Puissance ONU",
						"kind": "Measurement",
						"required": 1,
						"unit": "dBm",
						"use_min": 1,
						"min_value": -27,
						"use_max": 1,
						"max_value": -8,
					},
					{"label": "Photo de l'ONT", "kind": "Photo", "required": 1},
					{
						"label": "Série de l'ONT",
						"kind": "Equipment Scan",
						"required": 1,
						"equipment_type": "ONT",
					},
					{"label": "Visite avec le client", "kind": "Check", "required": 1},
					{"label": "Note facultative", "kind": "Check", "required": 0},
				],
				"equipment_to_bring": [
					{"equipment_type": "ONT", "qty": 1},
					{"equipment_type": "Router", "qty": 2},
				],
				**fields,
			}
		).insert()

	def make_job(self, technician=None, **fields):
		values = {
			"doctype": "Dispatch Job",
			"subject": "Installation modèle",
			"job_type": "Repair",
			"service_location": self.location.name,
			"technician": technician,
			"scheduled_start": add_to_date(now_datetime(), hours=1),
			**fields,
		}
		return frappe.get_doc(values).insert()

	def api(self, method, token=None, **fields):
		return call_endpoint(API + method, token=token or self.token, **fields)

	def rows(self, job):
		return {row.label: row for row in frappe.get_doc("Dispatch Job", job).checklist}

	def to_on_site(self, job):
		for status in ("En Route", "On Site"):
			job.status = status
			job.save()
		return job

	# ------------------------------------------------------------ the template itself

	def test_template_validation_in_french(self):
		frappe.local.lang = "fr"
		bad = [
			({"label": "Rx", "kind": "Measurement", "unit": ""}, "doit avoir une unité"),
			(
				{
					"label": "Rx",
					"kind": "Measurement",
					"unit": "dBm",
					"use_min": 1,
					"min_value": -5,
					"use_max": 1,
					"max_value": -8,
				},
				r"le minimum \(-5\) ne doit pas dépasser le maximum \(-8\)",
			),
		]
		for item, words in bad:
			with self.subTest(words=words), self.assertRaisesRegex(frappe.ValidationError, words):
				frappe.get_doc(
					{
						"doctype": "Job Template",
						"template_name": f"Mauvais {uuid.uuid4().hex[:6]}",
						"job_type": "Survey",
						"default_duration": 30,
						"checklist_items": [item],
					}
				).insert()
		with self.assertRaisesRegex(frappe.ValidationError, "indiquez un article ou un type"):
			frappe.get_doc(
				{
					"doctype": "Job Template",
					"template_name": f"Mauvais {uuid.uuid4().hex[:6]}",
					"job_type": "Survey",
					"default_duration": 30,
					"equipment_to_bring": [{"qty": 1}],
				}
			).insert()

	def test_one_default_per_job_type(self):
		first = self.make_template(
			f"Défaut A {uuid.uuid4().hex[:6]}", job_type="Maintenance", use_for_orders=1
		)
		with self.assertRaisesRegex(frappe.ValidationError, first.name):
			self.make_template(f"Défaut B {uuid.uuid4().hex[:6]}", job_type="Maintenance", use_for_orders=1)

	def test_seed_templates_exist_in_french_and_are_not_overwritten(self):
		templates.ensure_seed_templates()
		seeds = json.loads(templates.SEEDS.read_text(encoding="utf-8"))
		for seed in seeds:
			self.assertTrue(frappe.db.exists("Job Template", seed["template_name"]), seed["template_name"])
		install = frappe.get_doc("Job Template", "Installation fibre")
		rx = next(i for i in install.checklist_items if i.kind == "Measurement" and i.unit == "dBm")
		self.assertEqual((rx.min_value, rx.max_value), (-27, -8))
		self.assertIn(
			"ONT", [i.equipment_type for i in install.checklist_items if i.kind == "Equipment Scan"]
		)
		install.default_duration = 150  # a manager's edit
		install.save()
		templates.ensure_seed_templates()
		self.assertEqual(frappe.db.get_value("Job Template", "Installation fibre", "default_duration"), 150)
		self.assertTrue(Path(templates.SEEDS).exists())

	# ------------------------------------------------------------ a job made from a template

	def test_by_hand_the_template_fills_the_job(self):
		job = self.make_job(job_template=self.template.name)
		self.assertEqual((job.job_type, job.expected_duration), ("Install", 95))
		self.assertEqual([r.skill for r in job.required_skills], [self.tag])
		self.assertEqual(
			[r.label for r in job.checklist],
			[
				"Puissance ONU",
				"Photo de l'ONT",
				"Série de l'ONT",
				"Visite avec le client",
				"Note facultative",
			],
		)
		self.assertEqual(
			[(r.equipment_type, r.qty) for r in job.equipment_to_bring], [("ONT", 1), ("Router", 2)]
		)
		self.assertIn("Poser l'ONT.", job.description)
		# The desk's pick: the form's (unsaved) job takes the template when it is chosen.
		draft = frappe.get_doc(
			{"doctype": "Dispatch Job", "subject": "Brouillon", "service_location": self.location.name}
		)
		draft.job_template = self.template.name
		draft.pick_template()
		self.assertEqual((draft.job_type, len(draft.checklist)), ("Install", 5))
		# Saving again does not copy twice, and a changed template with items under way is kept.
		job.save()
		self.assertEqual(len(job.checklist), 5)

	def test_by_a_flow_create_document(self):
		from gigafibre.flows.actions import RunContext, perform

		out = perform(
			"create_document",
			{
				"doctype": "Dispatch Job",
				"fields": {
					"subject": "Par un flux",
					"service_location": self.location.name,
					"job_template": self.template.name,
				},
			},
			RunContext(run="FR-TEST", reference_doctype=None, reference_name=None),
		)
		job = frappe.get_doc("Dispatch Job", out["name"])
		self.assertEqual((job.job_type, job.expected_duration, len(job.checklist)), ("Install", 95, 5))

	def test_onboarding_install_job_takes_the_default_install_template(self):
		from gigafibre.flows.actions import RunContext, perform

		templates.ensure_seed_templates()
		default = templates.default_template("Install")
		self.assertTrue(default)
		# The fields the seed flows (payment received, contract signed) create the install job with.
		seed = json.loads(
			(Path(templates.__file__).parent.parent / "flows" / "seed_templates.json").read_text()
		)
		fields = dict(seed[0]["steps"][0]["params"]["fields"])
		self.assertEqual(fields["source"], "Order")
		fields.update(
			subject="Installation fibre — test",
			customer=self.location.customer,
			service_location=self.location.name,
			source_name="",
			source_doctype="",
		)
		out = perform(
			"create_document",
			{"doctype": "Dispatch Job", "fields": fields},
			RunContext(run="FR-TEST", reference_doctype=None, reference_name=None),
		)
		job = frappe.get_doc("Dispatch Job", out["name"])
		self.assertEqual(job.job_template, default)
		self.assertEqual(len(job.checklist), len(frappe.get_doc("Job Template", default).checklist_items))
		# A job typed by hand (not from an order) gets no template it did not ask for.
		self.assertFalse(self.make_job(job_type="Install").job_template)

	# ------------------------------------------------------------ completion refused, then accepted

	def test_completion_refused_naming_the_missing_items_then_accepted(self):
		frappe.local.lang = "fr"
		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		job.status = "Completed"
		with self.assertRaises(ChecklistIncomplete) as refused:
			job.save()
		message = str(refused.exception)
		for label in (
			"Puissance ONU : aucune valeur saisie",
			"Photo de l'ONT : aucune photo",
			"Série de l'ONT",
			"Visite avec le client : pas fait",
		):
			self.assertIn(label, message)
		self.assertNotIn("Note facultative", message)
		self.assertEqual(refused.exception.http_status_code, 409)
		# Done through the desk's grid: an out-of-range value still refuses, naming the range.
		job.reload()
		rows = {r.label: r for r in job.checklist}
		rows["Puissance ONU"].update({"done": 1, "value": -31})
		rows["Visite avec le client"].done = 1
		rows["Photo de l'ONT"].photo = "/private/files/ont.jpg"
		device = self.device("ONT")
		rows["Série de l'ONT"].scanned_equipment = device
		job.save()
		job.status = "Completed"
		with self.assertRaisesRegex(ChecklistIncomplete, r"-31 dBm est hors plage \(-27 … -8 dBm\)"):
			job.save()
		job.reload()
		next(r for r in job.checklist if r.label == "Puissance ONU").value = -19.5
		job.save()
		stamped = next(r for r in job.checklist if r.label == "Visite avec le client")
		self.assertTrue(stamped.done_at and stamped.done_by == "Administrator")
		job.status = "Completed"
		job.save()
		self.assertEqual(job.reload().status, "Completed")

	def test_a_flow_set_value_cannot_complete_either(self):
		from gigafibre.flows.actions import RunContext, perform

		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		with self.assertRaises(ChecklistIncomplete):
			perform(
				"set_value",
				{"doctype": "Dispatch Job", "name": job.name, "values": {"status": "Completed"}},
				RunContext(run="FR-TEST", reference_doctype=None, reference_name=None),
			)

	# ------------------------------------------------------------ the technician page

	def device(self, kind="ONT"):
		frappe.set_user("Administrator")  # after an endpoint call, the session is the guest's
		return (
			frappe.get_doc(
				{
					"doctype": "Service Equipment",
					"serial_number": f"TPL{uuid.uuid4().hex[:9].upper()}",
					"equipment_type": kind,
					"status": "In Stock",
				}
			)
			.insert()
			.name
		)

	def test_technician_fills_the_checklist_then_completes(self):
		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		rows = self.rows(job.name)
		detail = self.api("job", name=job.name)
		self.assertEqual(detail["checklist"][0]["label"], "Puissance ONU")
		self.assertEqual(detail["checklist"][0]["range"], "-27 … -8 dBm")
		self.assertEqual(len(detail["missing"]), 4)
		self.assertEqual(
			detail["equipment_to_bring"][1], {"equipment_type": "Router", "item_name": None, "qty": 2}
		)
		# Completion through the page is refused with the missing items named (409).
		with self.assertRaises(ChecklistIncomplete):
			self.api("set_status", name=job.name, status="Completed")
		# Tick (a replay with the same id acts once).
		visit = rows["Visite avec le client"].name
		client_id = uuid.uuid4().hex
		first = self.api("checklist_item", name=job.name, row=visit, done="1", client_id=client_id)
		again = self.api("checklist_item", name=job.name, row=visit, done="1", client_id=client_id)
		self.assertEqual(first, again)
		self.assertTrue(next(r for r in first["checklist"] if r["name"] == visit)["ok"])
		self.assertEqual(self.rows(job.name)["Visite avec le client"].done_by, self.tech.name)
		# Out of range: recorded, not done, the reason shown.
		rx = rows["Puissance ONU"].name
		answer = self.api("checklist_item", name=job.name, row=rx, value="-30.5")
		state = next(r for r in answer["checklist"] if r["name"] == rx)
		self.assertEqual((state["done"], state["ok"], state["value"]), (True, False, -30.5))
		self.assertIn("out of range", state["problem"])
		answer = self.api("checklist_item", name=job.name, row=rx, value="-18")
		self.assertTrue(next(r for r in answer["checklist"] if r["name"] == rx)["ok"])
		# Photo through upload_photo with the row.
		photo_row = rows["Photo de l'ONT"].name
		answer = self.api("upload_photo", name=job.name, row=photo_row, photo=jpeg())
		self.assertTrue(answer["file"])
		self.assertTrue(next(r for r in answer["checklist"] if r["name"] == photo_row)["has_photo"])
		attached = frappe.db.get_value(
			"File", answer["file"], ["attached_to_name", "is_private"], as_dict=True
		)
		self.assertEqual((attached.attached_to_name, attached.is_private), (job.name, 1))
		# Scan: a Router is refused for an ONT item (422) and nothing is linked; an ONT is taken.
		scan_row = rows["Série de l'ONT"].name
		router = self.device("Router")
		with self.assertRaisesRegex(frappe.ValidationError, "ONT") as wrong:
			self.api("link_equipment", name=job.name, equipment=router, row=scan_row)
		self.assertEqual(wrong.exception.http_status_code, 422)
		self.assertNotIn(router, [e.equipment for e in frappe.get_doc("Dispatch Job", job.name).equipment])
		ont = self.device("ONT")
		answer = self.api("link_equipment", name=job.name, equipment=ont, row=scan_row)
		self.assertEqual(
			next(r for r in answer["checklist"] if r["name"] == scan_row)["scanned_equipment"], ont
		)
		self.assertEqual(answer["missing"], [])
		done = self.api("set_status", name=job.name, status="Completed", notes="ONT posé")
		self.assertEqual(done["status"], "Completed")
		# Closed: the checklist no longer changes.
		with self.assertRaises(frappe.ValidationError):
			self.api("checklist_item", name=job.name, row=visit, done="0")

	def test_scan_by_creating_the_device(self):
		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		scan_row = self.rows(job.name)["Série de l'ONT"].name
		serial = f"ZTEG{uuid.uuid4().hex[:8].upper()}"
		answer = self.api(
			"create_equipment", name=job.name, serial_number=serial, equipment_type="ONT", row=scan_row
		)
		self.assertEqual(
			next(r for r in answer["checklist"] if r["name"] == scan_row)["scanned_equipment"],
			answer["created"],
		)

	def test_bad_input_is_a_4xx(self):
		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		rows = self.rows(job.name)
		cases = [
			(
				{"row": rows["Puissance ONU"].name, "value": "abc"},
				frappe.ValidationError,
			),  # not a number (400)
			({"row": rows["Puissance ONU"].name}, frappe.ValidationError),  # no value (422)
			({"row": rows["Visite avec le client"].name, "done": "peut-être"}, frappe.ValidationError),
			(
				{"row": rows["Photo de l'ONT"].name, "done": "1"},
				frappe.ValidationError,
			),  # photo by upload only
			({"row": "nope"}, frappe.DoesNotExistError),
		]
		for fields, exc in cases:
			with self.subTest(fields=fields), self.assertRaises(exc) as caught:
				self.api("checklist_item", name=job.name, done=fields.pop("done", None) or "", **fields)
			self.assertLess(getattr(caught.exception, "http_status_code", 417), 500)
		with self.assertRaises(frappe.ValidationError):
			self.api("upload_photo", name=job.name, row=rows["Visite avec le client"].name, photo=jpeg())

	def test_another_technicians_job_is_refused(self):
		job = self.to_on_site(self.make_job(self.tech.name, job_template=self.template.name))
		row = self.rows(job.name)["Visite avec le client"].name
		with self.assertRaises(frappe.DoesNotExistError):
			self.api("checklist_item", token=self.other_token, name=job.name, row=row, done="1")
		self.assertFalse(self.rows(job.name)["Visite avec le client"].done)
