"""Realistic Québec field-service records as plain dicts, from a fixed seed (no Frappe).

Same seed, same records: the loader uses each record's natural key to skip what exists.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

SKILLS = ("Fibre", "Épissure", "Wi-Fi", "Téléphonie IP", "Télévision", "Commercial", "Nacelle")

# (neighbourhood, city, forward sortation areas, centre latitude, centre longitude, streets)
AREAS = (
	(
		"Plateau-Mont-Royal",
		"Montréal",
		("H2J", "H2T", "H2W"),
		45.5250,
		-73.5810,
		(
			"rue Saint-Denis",
			"avenue du Mont-Royal Est",
			"rue Rachel Est",
			"avenue Christophe-Colomb",
			"rue Fabre",
		),
	),
	(
		"Rosemont",
		"Montréal",
		("H1X", "H1Y", "H2G"),
		45.5430,
		-73.5760,
		("boulevard Rosemont", "rue Masson", "avenue Papineau", "rue Beaubien Est", "41e Avenue"),
	),
	(
		"Villeray",
		"Montréal",
		("H2R", "H2E"),
		45.5440,
		-73.6180,
		(
			"rue Jarry Est",
			"rue De Castelnau Est",
			"avenue De Chateaubriand",
			"rue Villeray",
			"rue Saint-Hubert",
		),
	),
	(
		"Verdun",
		"Montréal",
		("H4G", "H4H"),
		45.4580,
		-73.5700,
		("rue Wellington", "boulevard LaSalle", "rue de l'Église", "avenue Woodland", "rue Bannantyne"),
	),
	(
		"Hochelaga-Maisonneuve",
		"Montréal",
		("H1W", "H1V"),
		45.5470,
		-73.5450,
		("rue Ontario Est", "rue Sainte-Catherine Est", "avenue Pie-IX", "rue Adam", "avenue Bourbonnière"),
	),
	(
		"Ahuntsic",
		"Montréal",
		("H3L", "H2C", "H2M"),
		45.5560,
		-73.6620,
		(
			"boulevard Gouin Ouest",
			"rue Fleury Ouest",
			"avenue Papineau",
			"rue Prieur",
			"boulevard Saint-Laurent",
		),
	),
	(
		"Notre-Dame-de-Grâce",
		"Montréal",
		("H4A", "H4B"),
		45.4730,
		-73.6150,
		(
			"rue Sherbrooke Ouest",
			"avenue de Monkland",
			"boulevard Décarie",
			"avenue Girouard",
			"rue Somerled",
		),
	),
	(
		"Chomedey",
		"Laval",
		("H7W", "H7T", "H7V"),
		45.5450,
		-73.7350,
		(
			"boulevard Curé-Labelle",
			"boulevard Notre-Dame",
			"avenue Lévesque",
			"rue Principale",
			"boulevard Chomedey",
		),
	),
	(
		"Vimont",
		"Laval",
		("H7M", "H7K"),
		45.6030,
		-73.7230,
		(
			"boulevard des Laurentides",
			"rue de Vimont",
			"boulevard Sainte-Rose",
			"rue Jean-Talon",
			"rue Émile",
		),
	),
	(
		"Sainte-Rose",
		"Laval",
		("H7L", "H7X"),
		45.6100,
		-73.7800,
		("boulevard Sainte-Rose", "rue Hotte", "boulevard Curé-Labelle", "rue des Patriotes", "rue Bernard"),
	),
	(
		"Pont-Viau",
		"Laval",
		("H7G", "H7N"),
		45.5600,
		-73.6900,
		("boulevard des Laurentides", "rue Lévis", "boulevard Lévesque Est", "rue Laval", "rue Cartier"),
	),
	(
		"Auteuil",
		"Laval",
		("H7H", "H7J"),
		45.6300,
		-73.7150,
		(
			"boulevard des Laurentides",
			"rue Cyrille",
			"boulevard Saint-Martin Est",
			"rue Rouleau",
			"rue Lafleur",
		),
	),
)
FIRST_NAMES = (
	"Marie",
	"Jean",
	"Sophie",
	"Mathieu",
	"Isabelle",
	"Louis",
	"Camille",
	"Olivier",
	"Julie",
	"Alexandre",
	"Émilie",
	"Gabriel",
	"Chloé",
	"Félix",
	"Catherine",
	"Antoine",
	"Nathalie",
	"Samuel",
	"Valérie",
	"Étienne",
	"Mélanie",
	"Maxime",
	"Geneviève",
	"William",
	"Annie",
	"Simon",
	"Karine",
	"Philippe",
	"Audrey",
	"Vincent",
)
LAST_NAMES = (
	"Tremblay",
	"Gagnon",
	"Roy",
	"Côté",
	"Bouchard",
	"Gauthier",
	"Morin",
	"Lavoie",
	"Fortin",
	"Gagné",
	"Ouellet",
	"Pelletier",
	"Bélanger",
	"Lévesque",
	"Bergeron",
	"Leblanc",
	"Paquette",
	"Girard",
	"Simard",
	"Boucher",
	"Caron",
	"Beaulieu",
	"Cloutier",
	"Dubé",
	"Poirier",
	"Fournier",
	"Lapointe",
	"Leclerc",
	"Lefebvre",
	"Poulin",
)
TECHNICIANS = (
	("Marc-André Tremblay", ("Fibre", "Épissure", "Nacelle")),
	("Josée Gagnon", ("Fibre", "Wi-Fi", "Télévision")),
	("Kevin Nguyen", ("Fibre", "Wi-Fi", "Téléphonie IP")),
	("Stéphanie Roy", ("Fibre", "Épissure", "Commercial")),
	("Patrick Côté", ("Wi-Fi", "Télévision", "Téléphonie IP")),
	("Amélie Bouchard", ("Fibre", "Wi-Fi")),
	("Youssef Benali", ("Fibre", "Épissure", "Commercial", "Nacelle")),
	("Caroline Lavoie", ("Fibre", "Télévision")),
	("Dominic Fortin", ("Fibre", "Wi-Fi", "Nacelle")),
	("Sarah Pelletier", ("Wi-Fi", "Téléphonie IP", "Commercial")),
)
OLTS = {"Montréal": ("OLT-MTL-01", "OLT-MTL-02", "OLT-MTL-03"), "Laval": ("OLT-LAV-01", "OLT-LAV-02")}
ONT_MODELS = (("Nokia", "G-010G-Q", "ALCL"), ("Huawei", "HG8010H", "HWTC"), ("ZTE", "F601", "ZTEG"))
ROUTER_MODELS = (("TP-Link", "Deco XX230v"), ("TP-Link", "Archer AX55"), ("Eero", "Pro 6E"))
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
JOB_MIX = (
	("Install", 0.40),
	("Repair", 0.30),
	("Upgrade", 0.12),
	("Survey", 0.08),
	("Removal", 0.05),
	("Maintenance", 0.05),
)
JOB_SKILLS = {
	"Install": ("Fibre",),
	"Repair": ("Fibre",),
	"Upgrade": ("Wi-Fi",),
	"Survey": (),
	"Removal": (),
	"Maintenance": ("Épissure",),
}
SUBJECTS = {
	"Install": "Installation fibre",
	"Repair": "Réparation — perte de signal",
	"Upgrade": "Mise à niveau Wi-Fi",
	"Survey": "Visite technique",
	"Removal": "Retrait d'équipement",
	"Maintenance": "Entretien du boîtier",
}


@dataclass
class DemoData:
	technicians: list[dict] = field(default_factory=list)
	customers: list[dict] = field(default_factory=list)
	locations: list[dict] = field(default_factory=list)
	equipment: list[dict] = field(default_factory=list)
	jobs: list[dict] = field(default_factory=list)


def _slug(text: str) -> str:
	"""`côté` -> `cote`: e-mail addresses take no accents."""
	ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
	return "".join(c for c in ascii_text.lower() if c.isalnum() or c in ".-")


def _postal_code(rng: random.Random, fsa: str) -> str:
	return f"{fsa} {rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS[:18])}{rng.randint(0, 9)}"


def _hex(rng: random.Random, digits: int) -> str:
	return f"{rng.getrandbits(digits * 4):0{digits}X}"


def _ont(rng: random.Random, used_serials: set[str], status: str, location_key: str | None) -> dict:
	"""An ONT whose serial is its GPON serial (vendor id + 8 hex digits), unique in the run."""
	brand, model, vendor = rng.choice(ONT_MODELS)
	serial = vendor + _hex(rng, 8)
	while serial in used_serials:
		serial = vendor + _hex(rng, 8)
	used_serials.add(serial)
	return {
		"serial_number": serial,
		"gpon_serial": serial,
		"equipment_type": "ONT",
		"brand": brand,
		"model": model,
		"status": status,
		"location_key": location_key,
	}


def generate(locations: int = 200, jobs: int = 50, seed: int = 2026, day: date | None = None) -> DemoData:
	rng = random.Random(seed)
	day = day or date.today()
	data = DemoData()
	for i, (name, skills) in enumerate(TECHNICIANS):
		area = AREAS[i % len(AREAS)]
		email = f"{_slug(name.split()[0])}.{_slug(name.split()[-1])}@gigafibre.ca"
		data.technicians.append(
			{
				"full_name": name,
				"email": email,
				"mobile": f"+1514555{100 + i:04d}",
				"skills": list(skills),
				"home_latitude": round(area[3] + rng.uniform(-0.01, 0.01), 6),
				"home_longitude": round(area[4] + rng.uniform(-0.01, 0.01), 6),
				"home_address": f"{rng.randint(100, 9999)} {rng.choice(area[5])}, {area[1]}",
				"traccar_device_id": f"{1000 + i}",
				"max_jobs_per_day": 8,
				# Four 10-hour days for some, five 8-hour days for the others, with a 30-minute lunch.
				"working_hours": [
					{
						"weekday": d,
						"start_time": "07:00:00" if i % 2 else "08:00:00",
						"end_time": "17:00:00" if i % 2 else "16:00:00",
						"break_start": "12:00:00",
						"break_minutes": 30,
					}
					for d in (
						("Monday", "Tuesday", "Wednesday", "Thursday")
						if i % 2
						else ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
					)
				]
				+ (
					[
						{
							"weekday": day.strftime("%A"),
							"start_time": "08:00:00",
							"end_time": "16:00:00",
							"break_start": "12:00:00",
							"break_minutes": 30,
						}
					]
					if day.strftime("%A") in ("Friday", "Saturday", "Sunday") and i % 2
					else []
				),
			}
		)
	used_serials: set[str] = set()
	used_addresses: set[str] = set()
	for i in range(locations):
		area = AREAS[i % len(AREAS)]
		_, city, fsas, lat, lon, streets = area
		first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
		customer_name = f"{first} {last} ({1000 + i})"
		data.customers.append({"customer_name": customer_name, "customer_type": "Individual"})
		number, street = rng.randint(100, 9999), rng.choice(streets)
		while f"{number} {street}" in used_addresses:
			number = rng.randint(100, 9999)
		used_addresses.add(f"{number} {street}")
		apartment = f"app. {rng.randint(1, 12)}" if rng.random() < 0.35 else ""
		olt = rng.choice(OLTS[city])
		data.locations.append(
			{
				"key": f"{number} {street}, {city}",
				"customer_name": customer_name,
				"address_line1": f"{number} {street}",
				"address_line2": apartment,
				"city": city,
				"province": "QC",
				"postal_code": _postal_code(rng, rng.choice(fsas)),
				"latitude": round(lat + rng.uniform(-0.012, 0.012), 6),
				"longitude": round(lon + rng.uniform(-0.015, 0.015), 6),
				"contacts": [
					{
						"contact_name": f"{first} {last}",
						"contact_role": "Propriétaire" if rng.random() < 0.6 else "Locataire",
						"phone": f"+1{rng.choice(('514', '438', '450'))}555{rng.randint(100, 199):04d}",
						"email": f"{_slug(first)}.{_slug(last)}{i}@exemple.ca",
					}
				],
				"access_notes": rng.choice(
					(
						"",
						"",
						"Sonner deux fois.",
						"Chien dans la cour.",
						"Boîtier au sous-sol, entrée par la ruelle.",
						"Code de porte 4512.",
					)
				),
				"olt": olt,
				"pon_port": f"1/1/{rng.randint(1, 16)}",
				"onu_id": str(rng.randint(1, 128)),
			}
		)
		# About four in five locations are already in service, with an ONT and a router installed.
		if rng.random() < 0.8:
			data.equipment.append(_ont(rng, used_serials, "Installed", data.locations[-1]["key"]))
			rbrand, rmodel = rng.choice(ROUTER_MODELS)
			rserial = f"{rbrand[:2].upper()}{_hex(rng, 10)}"
			used_serials.add(rserial)
			data.equipment.append(
				{
					"serial_number": rserial,
					"mac_address": ":".join(_hex(rng, 2) for _ in range(6)),
					"equipment_type": "Router",
					"brand": rbrand,
					"model": rmodel,
					"status": "Installed",
					"location_key": data.locations[-1]["key"],
				}
			)
	# Some stock in the warehouse, for installs.
	for _ in range(20):
		data.equipment.append(_ont(rng, used_serials, "In Stock", None))
	picked = rng.sample(range(len(data.locations)), min(jobs, len(data.locations)))
	for n, index in enumerate(picked):
		location = data.locations[index]
		job_type = rng.choices([t for t, _ in JOB_MIX], weights=[w for _, w in JOB_MIX])[0]
		morning = rng.random() < 0.5
		window_start = datetime.combine(day, time(8 if morning else 12))
		window_end = datetime.combine(day, time(12 if morning else 17))
		status = rng.choices(
			("New", "Planned", "Assigned", "En Route", "On Site", "Completed"), weights=(30, 10, 35, 8, 7, 10)
		)[0]
		technician = None
		if status not in ("New", "Planned"):
			technician = data.technicians[n % len(data.technicians)]["full_name"]
		start = window_start + timedelta(minutes=30 * rng.randint(0, 5))
		data.jobs.append(
			{
				"location_key": location["key"],
				"subject": f"{SUBJECTS[job_type]} — {location['address_line1']}",
				"job_type": job_type,
				"priority": rng.choices(("Low", "Normal", "High", "Urgent"), weights=(10, 65, 18, 7))[0],
				"status": status,
				"technician_name": technician,
				"expected_duration": 90 if job_type == "Install" else 60,
				"window_start": window_start,
				"window_end": window_end,
				"scheduled_start": start if status != "New" else None,
				"required_skills": list(JOB_SKILLS[job_type]),
				# A job from an order takes its type's template, whose required photo and scan a
				# generated job cannot have: the demo's finished jobs came from the desk or a ticket.
				"source": rng.choice(
					("Manual", "Ticket") if status == "Completed" else ("Manual", "Ticket", "Order")
				),
			}
		)
	return data
