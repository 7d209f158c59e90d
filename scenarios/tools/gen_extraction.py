"""extraction: messy real-world documents -> JSON objects that follow ``schemas/*.json``.

Four document kinds (invoices, warranty/returns tickets, shipping notices, job posts), each rendered
in several styles (clean email, OCR'd PDF text, forwarded thread with the key fact in the forward note,
one-line chat message, web-form dump ...), with locale-specific date and number formats. The gold object
is generated first; the text is rendered from it; distractors change one or two fields the way models
really get them wrong (tax dropped, day/month swapped, pounds not converted, nice-to-have skills
included ...).
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date, timedelta

SCHEMA_DIR = "../schemas"  # record paths resolve against the dataset file's folder
N_PER_KIND = 16

# ------------------------------------------------------------------------------------------- helpers
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]  # fmt: skip
DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember"]  # fmt: skip


def rand_date(rng: random.Random, start: date = date(2026, 1, 5), span_days: int = 320) -> date:
    return start + timedelta(days=rng.randint(0, span_days))


def fmt_date(d: date, style: str) -> str:
    return {
        "iso": d.isoformat(),
        "us": f"{d.month:02d}/{d.day:02d}/{d.year}",
        "us_long": f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
        "eu_dot": f"{d.day:02d}.{d.month:02d}.{d.year}",
        "uk": f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
        "uk_slash": f"{d.day:02d}/{d.month:02d}/{d.year}",
        "de_long": f"{d.day}. {DE_MONTHS[d.month - 1]} {d.year}",
    }[style]


def fmt_amount(x: float, style: str) -> str:
    whole, frac = f"{x:,.2f}".split(".")
    if style == "us":
        return f"{whole}.{frac}"
    if style == "de":
        return f"{whole.replace(',', '.')},{frac}"
    if style == "fr":
        return f"{whole.replace(',', ' ')},{frac}"
    if style == "ch":
        return whole.replace(",", "'") + "." + frac
    raise ValueError(style)


def r2(x: float) -> float:
    return round(x + 1e-9, 2)


def person(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST)
    last = rng.choice(LAST)
    return first, last


FIRST = ["Maria", "James", "Aisha", "Chen", "Sofia", "Liam", "Noah", "Olivia", "Mateo", "Yuki", "Fatima",
         "Lukas", "Hannah", "Diego", "Amara", "Ravi", "Elena", "Kwame", "Ingrid", "Tomás", "Zoe", "Arjun",
         "Claire", "Mohammed", "Beatriz", "Sven", "Nadia", "Patrick", "Mei", "Omar"]  # fmt: skip
LAST = ["García", "Smith", "Okafor", "Wang", "Rossi", "O'Brien", "Müller", "Johnson", "Fernández", "Tanaka",
        "Haddad", "Schneider", "Kowalski", "Nguyen", "Dubois", "Patel", "Jensen", "Mensah", "Lindqvist",
        "Costa", "Brown", "Ivanova", "Murphy", "Kim", "Santos", "Becker", "Hughes", "Novak"]  # fmt: skip

# --------------------------------------------------------------------------------------------- invoices
VENDORS = [  # name, currency, locale (date style, amount style, tax label, tax rate)
    ("Brightline Consulting LLC", "USD", "us", "us", "Sales tax", 0.0825),
    ("Northwind Cloud Services Inc.", "USD", "us_long", "us", "Tax", 0.0),
    ("Kessler & Vogt GmbH", "EUR", "eu_dot", "de", "MwSt.", 0.19),
    ("Atelier Lumière SARL", "EUR", "uk_slash", "fr", "TVA", 0.20),
    ("Harbour Print Ltd", "GBP", "uk", "us", "VAT", 0.20),
    ("Maple Ridge Office Supply", "CAD", "iso", "us", "GST/HST", 0.13),
    ("Southern Cross Analytics Pty Ltd", "AUD", "uk_slash", "us", "GST", 0.10),
    ("Alpenblick IT AG", "CHF", "eu_dot", "ch", "MWST", 0.081),
    ("Pixelforge Studio LLC", "USD", "us", "us", "Sales tax", 0.0),
    ("Van Dijk Logistics B.V.", "EUR", "eu_dot", "de", "BTW", 0.21),
]  # fmt: skip
CUSTOMERS = ["Acme Robotics Inc.", "Bluebird Health Partners", "Cobalt Retail Group", "Delta Foods plc",
             "Evergreen Architects", "Fjord Maritime AS", "Granite Legal LLP", "Helios Solar GmbH",
             "Ironclad Security Ltd", "Juniper Learning Co."]  # fmt: skip
ITEMS = [
    ("Senior consultant, on-site workshop (hours)", 120, 240), ("Cloud hosting, m6i.xlarge (instance-months)", 90, 180),
    ("Support retainer, {month}", 900, 2500), ("Brochure print run A4 4/4, 500 pcs", 380, 720),
    ("Ergonomic office chair, model ErgoPro 2", 189, 420), ("Data pipeline development (hours)", 95, 175),
    ("SaaS seats, Analytics Pro (per user/month)", 18, 65), ("Toner cartridge HP 59A", 62, 110),
    ("Travel expenses (pass-through)", 150, 900), ("UX research interviews (sessions)", 250, 480),
    ("Business cards, 250 pcs", 35, 80), ("Freight, pallet delivery", 75, 260),
    ("Annual software licence, DesignSuite", 499, 1299), ("Standing desk frame, dual motor", 310, 560),
]  # fmt: skip
CURRENCY_SIGN = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "A$", "CHF": "CHF "}


def invoice(rng: random.Random, i: int) -> tuple[dict, str, list[dict]]:
    vname, cur, dstyle, astyle, taxlabel, rate = VENDORS[i % len(VENDORS)]
    customer = rng.choice(CUSTOMERS)
    issue = rand_date(rng)
    due = issue + timedelta(days=rng.choice([14, 30, 30, 45, 60])) if rng.random() < 0.8 else None
    po = f"PO-{rng.randint(4500000000, 4599999999)}" if rng.random() < 0.55 else None
    number = rng.choice(["INV-{y}-{n:04d}", "{n:06d}", "RE{y}{n:05d}", "F-{n}", "INV{n:05d}"]).format(
        y=issue.year, n=rng.randint(12, 9800)
    )
    lines = []
    if i % 8 == 7:  # the long tail: a monthly statement-style invoice with one line per week and item
        picks = [
            (f"{d}, week {w}", lo, hi)
            for w in range(rng.randint(14, 18), 23)
            for d, lo, hi in rng.sample(ITEMS, 3)
        ]
    else:
        picks = rng.sample(ITEMS, rng.choice([1, 1, 2, 2, 3, 3, 4, 6]))
    for desc, lo, hi in picks:
        qty = (
            rng.choice([1, 1, 1, 2, 3, 5, 8, 12, 16.5, 40])
            if "hours" in desc
            else rng.choice([1, 1, 2, 3, 4, 10])
        )
        price = r2(rng.uniform(lo, hi)) if rng.random() < 0.5 else float(rng.randrange(lo, hi, 5))
        lines.append({"description": desc.format(month=MONTHS[issue.month - 1] + f" {issue.year}"),
                      "quantity": qty, "unit_price": price, "amount": r2(qty * price)})  # fmt: skip
    subtotal = r2(sum(x["amount"] for x in lines))
    tax = r2(subtotal * rate)
    gold = {
        "invoice_number": number, "vendor_name": vname, "customer_name": customer,
        "issue_date": issue.isoformat(), "due_date": due.isoformat() if due else None, "currency": cur,
        "po_number": po, "line_items": lines, "subtotal": subtotal, "tax": tax, "total": r2(subtotal + tax),
    }  # fmt: skip
    A = lambda x: fmt_amount(x, astyle)  # noqa: E731
    D = lambda d: fmt_date(d, dstyle)  # noqa: E731
    sign = CURRENCY_SIGN[cur]
    money = (lambda x: f"{A(x)} {sign.strip()}") if astyle in ("de", "fr") else (lambda x: f"{sign}{A(x)}")
    style = rng.choice(["pdf", "email", "forward", "pdf", "short"])
    if len(lines) > 3 and style == "short":
        style = "pdf"
    table = "\n".join(
        f"{x['description']:<48} {x['quantity']:>6g} {A(x['unit_price']):>12} {A(x['amount']):>12}"
        for x in lines
    )
    tax_line = f"{taxlabel} {rate * 100:g}%: {money(tax)}" if rate else f"{taxlabel}: {money(0)} (exempt)"
    if style == "pdf":
        head = [vname.upper(), f"{rng.randint(10, 990)} {rng.choice(['Market St', 'Hauptstraße', 'Rue de Rivoli', 'King St W', 'Collins St'])}",
                "", "I N V O I C E", f"Invoice no.: {number}", f"Invoice date: {D(issue)}"]  # fmt: skip
        if due:
            head.append(f"Due date: {D(due)}")
        head += ["", "Bill to:", customer]
        if po:
            head.append(f"Your order ref.: {po}")
        body = ["", f"{'Description':<48} {'Qty':>6} {'Unit price':>12} {'Amount':>12}", table, "",
                f"Subtotal: {money(subtotal)}", tax_line, f"TOTAL DUE ({cur}): {money(gold['total'])}", ""]  # fmt: skip
        tail = [f"Payment terms: {((due - issue).days if due else 'on receipt')} days net" if due else "Payment on receipt",
                f"IBAN DE{rng.randint(10, 99)} 3704 0044 0532 0130 00 · BIC COBADEFFXXX" if cur == "EUR" else
                f"Bank: First National · Acct {rng.randint(10000000, 99999999)} · Routing 0210000{rng.randint(10, 99)}",
                "Page 1 of 1"]  # fmt: skip
        text = "\n".join(head + body + tail)
    elif style == "email":
        fn, _ = person(rng)
        text = (f"Subject: Invoice {number} from {vname}\n\nHello {customer} accounts team,\n\n"
                f"please find below our invoice {number} dated {D(issue)}"
                + (f", payable by {D(due)}" if due else "") + ".\n"
                + (f"Purchase order: {po}\n" if po else "") + "\n" + table + "\n\n"
                f"Subtotal {money(subtotal)}\n{tax_line}\nTotal {money(gold['total'])}\n\n"
                f"Thanks for your business!\n{fn}\nAccounts Receivable, {vname}")  # fmt: skip
    elif style == "forward":
        fn, ln = person(rng)
        note = "Hi AP, can you book this one? " + (
            f"It's against PO {po}. " if po else "No PO on this one, it was a card-less one-off. "
        )
        text = (f"{note}Thx, {fn}\n\n---------- Forwarded message ---------\nFrom: billing@{vname.split()[0].lower()}.example\n"
                f"Date: {fmt_date(issue, 'us_long')}\nSubject: {vname} - Invoice {number}\n\n"
                f"Invoice {number}\nIssued {D(issue)} to {customer}\n" + (f"Due {D(due)}\n" if due else "Due on receipt\n")
                + "\n" + table + f"\n\nNet {money(subtotal)}\n{tax_line}\nGross amount due {money(gold['total'])}\n\n"
                "This email and any attachments are confidential and intended solely for the addressee. If you have "
                "received it in error please notify the sender and delete it. We never change our bank details by email.")  # fmt: skip
    else:
        x = lines[0]
        text = (f"got an invoice from {vname} - {number}, {D(issue)}, {x['quantity']:g}x {x['description'].lower()} @ {A(x['unit_price'])} "
                + (f"+ {len(lines) - 1} more line(s): " + "; ".join(f"{y['quantity']:g}x {y['description']} @ {A(y['unit_price'])}" for y in lines[1:]) + " " if len(lines) > 1 else "")
                + f"= {money(subtotal)} + {taxlabel.lower()} {money(tax)} = {money(gold['total'])} {cur}, billed to {customer}"
                + (f", due {D(due)}" if due else "") + (f", ref {po}" if po else "") + ". can you enter it?")  # fmt: skip
    wrong = []
    w = copy.deepcopy(gold)
    w["total"], w["tax"] = subtotal, 0.0
    if rate:
        wrong.append(w)
    if issue.day <= 12 and issue.day != issue.month:
        w = copy.deepcopy(gold)
        w["issue_date"] = date(issue.year, issue.day, issue.month).isoformat()
        wrong.append(w)
    w = copy.deepcopy(gold)
    w["vendor_name"], w["customer_name"] = customer, vname
    wrong.append(w)
    w = copy.deepcopy(gold)
    if po:
        w["po_number"] = None
    else:
        w["due_date"] = issue.isoformat()
    wrong.append(w)
    if cur in ("CAD", "AUD"):
        w = copy.deepcopy(gold)
        w["currency"] = "USD"
        wrong.append(w)
    return gold, text, wrong[:3]


# ------------------------------------------------------------------------------------ support tickets
PRODUCTS = [("AeroBrew 900", "espresso machine", "AB9"), ("Nimbus X2", "robot vacuum", "NX2"),
            ("Halo 27 4K", "monitor", "H27"), ("Quill S", "e-reader", "QLS"), ("Vento AP-400", "air purifier", "VAP"),
            ("Pulse ANC", "headphones", "PAN"), ("Forge 65W", "USB-C charger", "F65"), ("TrailCam Pro 3", "action camera", "TC3")]  # fmt: skip
ISSUES = {
    "wont_power_on": ["it won't turn on at all, no lights, nothing", "it died after {n} days and doesn't power up anymore",
                      "plugged it into three different outlets, still completely dead"],
    "damaged_in_transit": ["the box arrived crushed and the {kind} has a cracked housing", "it came with a shattered screen, the carton was soaked",
                           "the courier clearly dropped it, one corner is dented in"],
    "missing_parts": ["the power cable is missing from the box", "there was no {part} in the package even though the manual lists it",
                      "half of the accessories were not included"],
    "malfunction": ["it keeps rebooting every few minutes", "the app says 'error E{n}' and it stops working",
                    "it only works for about ten minutes and then stops responding"],
    "noise_or_smell": ["there's a burning smell and I saw a few sparks from the back", "it makes a loud grinding noise when running",
                       "the battery looks swollen and the case is bulging", "smoke came out of the vent yesterday"],
    "other": ["the colour is different from the picture on your website", "I was charged twice for it",
              "I just want to know if the warranty transfers to a new owner"],
}  # fmt: skip
HAZARD = ("burning smell", "sparks", "swollen", "smoke")
RESOLUTIONS = {
    "refund": ["I want my money back.", "Please refund me, I'm done with this.", "I'd like a full refund to my card."],
    "replacement": ["Please send me a replacement unit.", "Can you swap it for a new one?", "I need a new one sent out."],
    "repair": ["Can you repair it under warranty?", "How do I send it in for repair?", "Please fix it, I like it otherwise."],
    "troubleshooting": ["Is there anything I can try before sending it back?", "Any tips on how to get it working?"],
    "unspecified": ["What are my options?", "Please advise.", ""],
}  # fmt: skip


def support_ticket(rng: random.Random, i: int) -> tuple[dict, str, list[dict]]:
    fn, ln = person(rng)
    prod, kind, code = PRODUCTS[i % len(PRODUCTS)]
    category = list(ISSUES)[(i * 5) % len(ISSUES)]
    resolution = rng.choice(list(RESOLUTIONS))
    if category == "other":
        resolution = rng.choice(["refund", "unspecified"])
    problem = rng.choice(ISSUES[category]).format(
        n=rng.randint(3, 60), kind=kind, part=rng.choice(["remote", "filter", "charging dock", "strap"])
    )
    deadline = rng.random() < 0.2
    email = f"{fn.lower()}.{ln.lower().replace(chr(39), '')}@{rng.choice(['gmail.com', 'outlook.com', 'proton.me', 'yahoo.co.uk', 'icloud.com'])}"
    email = email.translate(str.maketrans("áéíóúüöäç", "aeiouuoac"))
    has_email = rng.random() < 0.75
    order = f"ORD-{rng.randint(10000, 99999)}" if rng.random() < 0.7 else None
    serial = (
        f"{code}{rng.randint(20, 26)}{rng.choice('ABCDEFGHJK')}{rng.randint(100000, 999999)}"
        if rng.random() < 0.6
        else None
    )
    bought = rand_date(rng, date(2025, 6, 1), 420) if rng.random() < 0.6 else None
    urgent = deadline or any(h in problem for h in HAZARD)
    gold = {"customer_name": f"{fn} {ln}", "customer_email": email if has_email else None, "order_id": order,
            "product": prod, "serial_number": serial, "purchase_date": bought.isoformat() if bought else None,
            "issue_category": category, "requested_resolution": resolution, "urgent": urgent}  # fmt: skip
    ask = rng.choice(RESOLUTIONS[resolution])
    dl = rng.choice(["I'm moving out on Friday and need this sorted before then.", "It's a birthday present for this weekend!!",
                     "I need it for a trip in 5 days."]) if deadline else ""  # fmt: skip
    when = rng.choice(["us_long", "uk", "iso", "us"])
    facts = []
    if order:
        facts.append(rng.choice([f"order {order}", f"order number {order}", f"Order #{order}"]))
    if bought:
        facts.append(f"bought on {fmt_date(bought, when)}")
    if serial:
        facts.append(
            rng.choice(
                [f"serial {serial}", f"S/N {serial}", f"serial number {serial} (on the sticker underneath)"]
            )
        )
    style = rng.choice(["email", "form", "chat", "email", "rant"])
    if style == "form":
        text = (f"[Web form: Warranty & returns]\nName: {fn} {ln}\nEmail: {email if has_email else ''}\nOrder number: {order or ''}\n"
                f"Product: {prod} {kind}\nSerial: {serial or ''}\nDate of purchase: {fmt_date(bought, 'us') if bought else ''}\n"
                f"Message: {sentence(problem, dl, ask)}")  # fmt: skip
    elif style == "chat":
        text = (f"[Live chat transcript]\nVisitor: hi\nAgent (bot): Hello! How can I help you today?\nVisitor: my {prod} {problem}\n"
                f"Agent (bot): I'm sorry to hear that. Could you share your order details?\nVisitor: {', '.join(facts) or 'dont have it'}. "
                f"{sentence(dl, ask)}\nAgent (bot): Thanks! May I have your name" + (" and email" if has_email else "") + "?\n"
                f"Visitor: {fn} {ln}" + (f", {email}" if has_email else "") + "\nAgent (bot): Transferring you to a human agent.")  # fmt: skip
    elif style == "rant":
        text = (f"Subject: UNACCEPTABLE!!! {prod}\n\nThis is the {rng.choice(['second', 'third'])} time I'm writing. "
                f"I paid good money for the {prod} {kind} and {problem}. Your phone line keeps hanging up on me after 40 minutes "
                f"on hold. Details since nobody seems to read them: {'; '.join(facts) or 'I lost the receipt'}. {sentence(dl, ask)} "
                f"If I don't hear back I'm disputing the charge.\n\n{fn} {ln}" + (f"\nSent from {email}" if has_email else "\nSent from my iPhone"))  # fmt: skip
    else:
        text = (f"Subject: Problem with my {prod}\n\nHello,\n\nI bought the {prod} {kind} from your store"
                + (f" ({', '.join(facts)})" if facts else "") + f" and {sentence(problem, dl, ask)}\n\n"
                f"Kind regards,\n{fn} {ln}" + (f"\n{email}" if has_email else ""))  # fmt: skip
    wrong = []
    w = dict(gold)
    w["urgent"] = not urgent
    wrong.append(w)
    w = dict(gold)
    w["requested_resolution"] = "replacement" if resolution != "replacement" else "refund"
    wrong.append(w)
    w = dict(gold)
    if bought and bought.day <= 12 and bought.day != bought.month:
        w["purchase_date"] = date(bought.year, bought.day, bought.month).isoformat()
    elif serial:
        w["serial_number"] = serial.replace("0", "O", 1) if "0" in serial else serial[:-1]
    else:
        w["product"] = f"{prod} {kind}"
    wrong.append(w)
    return gold, text, wrong


def sentence(*parts: str) -> str:
    """Join non-empty sentence fragments, adding a full stop where one is missing."""
    out = []
    for p in parts:
        p = p.strip()
        if p:
            out.append(p if p[-1] in ".!?" else p + ".")
    return " ".join(out)


# ---------------------------------------------------------------------------------- shipping notices
DESTS = [("Chicago", "60607", "US"), ("Austin", "78701", "US"), ("Toronto", "M5V 2T6", "CA"), ("Manchester", "M1 4BT", "GB"),
         ("Hamburg", "20095", "DE"), ("Lyon", "69002", "FR"), ("Rotterdam", "3011 AD", "NL"), ("Denver", "80202", "US"),
         ("Vancouver", "V6B 1A1", "CA"), ("Leeds", "LS1 4AP", "GB"), ("Munich", "80331", "DE"), ("Brooklyn", "11201", "US")]  # fmt: skip
CARRIERS = {
    "UPS": (lambda r: "1Z" + "".join(r.choice("0123456789ABCDEFGHJKRVWXY") for _ in range(16)), ["ground", "express", "overnight"]),
    "FedEx": (lambda r: "".join(r.choice("0123456789") for _ in range(12)), ["ground", "express", "overnight", "economy"]),
    "DHL": (lambda r: "".join(r.choice("0123456789") for _ in range(10)), ["express", "economy"]),
    "USPS": (lambda r: "9400" + "".join(r.choice("0123456789") for _ in range(18)), ["ground", "standard", "express"]),
    "Royal Mail": (lambda r: "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + "".join(r.choice("0123456789") for _ in range(9)) + "GB", ["standard", "express"]),
    "DPD": (lambda r: "".join(r.choice("0123456789") for _ in range(14)), ["standard", "express"]),
    "Canada Post": (lambda r: "".join(r.choice("0123456789") for _ in range(16)), ["standard", "express"]),
}  # fmt: skip
COUNTRY_CARRIERS = {"US": ["UPS", "FedEx", "USPS"], "CA": ["Canada Post", "UPS", "FedEx"], "GB": ["Royal Mail", "DPD", "DHL"],
                    "DE": ["DHL", "DPD", "UPS"], "FR": ["DPD", "DHL", "UPS"], "NL": ["DHL", "DPD"]}  # fmt: skip
SERVICE_NAMES = {"ground": ["Ground", "Home Delivery", "Ground Advantage"], "standard": ["Standard", "Tracked 48", "Classic"],
                 "express": ["Express", "Express Saver", "2Day", "Priority Express", "Tracked 24"],
                 "overnight": ["Next Day Air", "Priority Overnight"], "economy": ["Economy", "Economy Select"]}  # fmt: skip
LB = 0.45359237


def shipping_notice(rng: random.Random, i: int) -> tuple[dict, str, list[dict]]:
    city, postal, country = DESTS[i % len(DESTS)]
    carrier = rng.choice(COUNTRY_CARRIERS[country])
    make_tracking, levels = CARRIERS[carrier]
    tracking = make_tracking(rng)
    level = rng.choice(levels)
    service_name = rng.choice(SERVICE_NAMES[level])
    ship = rand_date(rng)
    eta_lo = ship + timedelta(
        days={"overnight": 1, "express": 2, "ground": 4, "standard": 3, "economy": 6}[level]
    )
    eta_hi = eta_lo + timedelta(days=rng.choice([0, 0, 1, 2]))
    has_eta = rng.random() < 0.8
    pkgs = rng.choice([1, 1, 1, 2, 3, 4, 6])
    imperial = country == "US" or (country == "CA" and rng.random() < 0.5)
    weight_kg = r2(rng.uniform(0.4, 9.0) * pkgs)
    weight_lb = round(weight_kg / LB, 1)
    if imperial:
        weight_kg = r2(weight_lb * LB)
    order = (
        f"#{rng.randint(100000, 999999)}"
        if rng.random() < 0.4
        else (f"SO-{rng.randint(20000, 89999)}" if rng.random() < 0.6 else None)
    )
    gold = {"carrier": carrier, "tracking_number": tracking, "order_id": order, "ship_date": ship.isoformat(),
            "estimated_delivery": eta_hi.isoformat() if has_eta else None, "service_level": level, "package_count": pkgs,
            "total_weight_kg": weight_kg, "destination": {"city": city, "postal_code": postal, "country": country}}  # fmt: skip
    dstyle = "us_long" if country in ("US", "CA") else rng.choice(["uk", "eu_dot", "iso"])
    D = lambda d: fmt_date(d, dstyle)  # noqa: E731
    wtxt = f"{weight_lb:g} lbs" if imperial else f"{weight_kg:g} kg"
    spaced = (
        " ".join(tracking[k : k + 4] for k in range(0, len(tracking), 4)) if rng.random() < 0.4 else tracking
    )
    eta_txt = (
        (f"{D(eta_lo)}" if eta_lo == eta_hi else f"between {D(eta_lo)} and {D(eta_hi)}") if has_eta else ""
    )
    country_name = {
        "US": "United States",
        "CA": "Canada",
        "GB": "United Kingdom",
        "DE": "Germany",
        "FR": "France",
        "NL": "Netherlands",
    }[country]
    style = rng.choice(["carrier", "asn", "forward", "carrier", "sms"])
    if style == "asn":
        text = (f"ADVANCE SHIPPING NOTICE\nASN no: ASN{rng.randint(1000000, 9999999)}\nShipper: Central Fulfilment Centre, Bay {rng.randint(1, 40)}\n"
                + (f"Customer order: {order}\n" if order else "") + f"Ship date: {D(ship)}\nCarrier / service: {carrier} {service_name}\n"
                f"Tracking: {spaced}\nHandling units: {pkgs} carton(s)   Gross weight: {wtxt}\n"
                f"Consignee: {rng.choice(CUSTOMERS)}, {rng.randint(1, 400)} {rng.choice(['Main St', 'High Street', 'Industriestr.', 'Rue Centrale'])}, {postal} {city}, {country_name}\n"
                + (f"Expected delivery: {eta_txt}\n" if has_eta else "Expected delivery: TBC\n") + "Hazmat: N   Incoterms: DAP")  # fmt: skip
    elif style == "sms":
        text = (f"{carrier}: Your parcel{'s' if pkgs > 1 else ''} {spaced} ({pkgs} pc, {wtxt}) left our facility on {D(ship)} via {service_name}. "
                + (f"Arriving {eta_txt}. " if has_eta else "") + f"Deliver to {city} {postal}, {country}."
                + (f" Ref {order}." if order else "") + " Manage delivery: trk.example/xyz")  # fmt: skip
    elif style == "forward":
        fn, _ = person(rng)
        text = (f"FYI - shipment for the {city} office is out. {fn}\n\n> From: noreply@{carrier.lower().replace(' ', '')}.example\n"
                f"> Subject: Shipment notification {tracking}\n>\n> Dear customer,\n> the following shipment was handed over to {carrier} on {D(ship)}.\n"
                f"> Service: {service_name}\n> Pieces: {pkgs}   Weight: {wtxt}\n> Destination: {city}, {postal} ({country_name})\n"
                + (f"> Scheduled delivery: {eta_txt}\n" if has_eta else "") + (f"> Shipper reference: {order}\n" if order else "")
                + "> This is an automated message, please do not reply.")  # fmt: skip
    else:
        text = (f"Subject: Your order {'is on its way' if pkgs == 1 else f'shipped in {pkgs} packages'}!\n\nGood news: your order"
                + (f" {order}" if order else "") + f" shipped on {D(ship)} with {carrier} {service_name}.\n\nTracking number: {spaced}\n"
                + (f"Estimated delivery: {eta_txt}\n" if has_eta else "Delivery estimate will be available once the carrier scans the package.\n")
                + f"Package{'s' if pkgs > 1 else ''}: {pkgs} ({wtxt} total)\nShipping to: {city}, {postal}, {country_name}\n\n"
                "Questions? Reply to this email. Returns are free within 30 days.")  # fmt: skip
    wrong = []
    if imperial:
        w = copy.deepcopy(gold)
        w["total_weight_kg"] = weight_lb
        wrong.append(w)
    if has_eta and eta_lo != eta_hi:
        w = copy.deepcopy(gold)
        w["estimated_delivery"] = eta_lo.isoformat()
        wrong.append(w)
    w = copy.deepcopy(gold)
    w["destination"]["country"] = {"GB": "UK", "US": "USA", "DE": "GE"}.get(country, "EU")
    wrong.append(w)
    w = copy.deepcopy(gold)
    w["tracking_number"] = spaced if spaced != tracking else tracking[:-1]
    w["package_count"] = 1 if pkgs > 1 else 2
    wrong.append(w)
    return gold, text, wrong[:3]


# ----------------------------------------------------------------------------------------- job posts
COMPANIES = ["Lumen Health", "Parcelwise", "Stackwell", "Orbital Insights", "Fintrail", "GreenGrid Energy", "Tessera Games",
             "Quantum Ledger", "Harbor AI", "Brightpath Education"]  # fmt: skip
ROLES = [("Senior Backend Engineer", ["Go", "PostgreSQL", "Kafka", "Kubernetes"], ["Rust", "gRPC"]),
         ("Frontend Engineer", ["TypeScript", "React", "CSS"], ["Next.js", "GraphQL"]),
         ("Data Engineer", ["Python", "SQL", "Airflow", "dbt"], ["Spark", "Snowflake"]),
         ("Machine Learning Engineer", ["Python", "PyTorch", "MLOps"], ["CUDA", "Ray"]),
         ("Site Reliability Engineer", ["Linux", "Terraform", "AWS", "Prometheus"], ["Go"]),
         ("Product Designer", ["Figma", "user research", "prototyping"], ["HTML/CSS"]),
         ("Engineering Manager, Payments", ["people management", "Java", "distributed systems"], ["PCI DSS"]),
         ("Mobile Developer (iOS)", ["Swift", "SwiftUI", "Xcode"], ["Kotlin"]),
         ("Junior QA Analyst", ["manual testing", "Jira"], ["Cypress", "SQL"]),
         ("Solutions Architect", ["AWS", "system design", "pre-sales"], ["Azure"])]  # fmt: skip
CITIES = [("Berlin", "DE", "EUR"), ("London", "GB", "GBP"), ("New York", "US", "USD"), ("Toronto", "CA", "CAD"),
          ("Zurich", "CH", "CHF"), ("Warsaw", "PL", "PLN"), ("San Francisco", "US", "USD"), ("Amsterdam", "NL", "EUR")]  # fmt: skip


def job_post(rng: random.Random, i: int) -> tuple[dict, str, list[dict]]:
    title, skills, nice = ROLES[i % len(ROLES)]
    company = rng.choice(COMPANIES)
    city, country, cur = CITIES[(i * 3) % len(CITIES)]
    mode = rng.choice(["onsite", "hybrid", "hybrid", "remote"])
    etype = (
        "internship"
        if "Junior" in title and rng.random() < 0.3
        else rng.choice(["full_time", "full_time", "full_time", "contract", "part_time"])
    )
    period = "hour" if etype in ("contract", "part_time") else rng.choice(["year", "year", "year", "month"])
    has_pay = rng.random() < 0.7
    if period == "hour":
        lo = rng.randrange(45, 110, 5)
    elif period == "month":
        lo = rng.randrange(3500, 9000, 250)
    else:
        lo = rng.randrange(55, 160, 5) * 1000
    hi = (
        lo
        if rng.random() < 0.2
        else int(
            lo
            * rng.choice([1.15, 1.2, 1.25, 1.3])
            // (5 if period == "hour" else 1000)
            * (5 if period == "hour" else 1000)
        )
    )
    if cur == "PLN" and period != "hour":
        lo, hi = lo * 3, hi * 3
    yrs = rng.choice([None, 1, 2, 3, 4, 5, 7]) if "Junior" not in title else rng.choice([None, 0, 1])
    remote_city = mode == "remote" and rng.random() < 0.5
    gold = {"title": title, "company": company, "city": None if remote_city else city, "country": country, "work_mode": mode,
            "employment_type": etype, "salary_min": float(lo) if has_pay else None, "salary_max": float(hi) if has_pay else None,
            "salary_currency": cur if has_pay else None, "salary_period": period if has_pay else None,
            "min_years_experience": yrs, "skills": skills}  # fmt: skip
    sym = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "CHF": "CHF ", "PLN": "PLN "}[cur]
    per = {
        "year": rng.choice(["per year", "/yr", "annually", "p.a."]),
        "month": rng.choice(["per month", "/month", "monthly gross"]),
        "hour": rng.choice(["/hour", "per hour", "hourly"]),
    }[period]
    use_k = period == "year" and rng.random() < 0.5
    k = lambda x: f"{sym}{x // 1000}k" if use_k else f"{sym}{x:,}"  # noqa: E731
    pay = (f"{k(lo)} {per}" if lo == hi else f"{k(lo)}–{k(hi)} {per}") if has_pay else ""
    et = {"full_time": rng.choice(["Full-time", "Permanent, full time"]), "part_time": "Part-time (24h/week)",
          "contract": rng.choice(["Contract (6 months, extension likely)", "Freelance / B2B contract"]), "internship": "Internship (6 months)"}[etype]  # fmt: skip
    wm = {"onsite": rng.choice(["On-site", "In office 5 days"]), "hybrid": rng.choice(["Hybrid (3 days in office)", "Hybrid"]),
          "remote": rng.choice(["Remote", "100% remote", "Fully remote"])}[mode]  # fmt: skip
    loc = f"{wm} ({country_label(country)} time zones)" if remote_city else f"{city} · {wm}"
    exp = (
        f"{yrs}+ years of professional experience"
        if yrs
        else ("No prior experience needed" if yrs == 0 else "")
    )
    style = rng.choice(["board", "hn", "recruiter", "board"])
    if style == "hn":
        text = (f"{company} | {title} | {loc} | {et}" + (f" | {pay}" if pay else "") + f" | {', '.join(skills)}"
                + (f" (bonus: {', '.join(nice)})" if nice else "") + (f" | {exp}" if exp else "")
                + f"\nWe're building {rng.choice(['the payments layer for marketplaces', 'grid-scale battery software', 'AI tools for radiologists', 'a logistics API'])}. Apply: jobs@{company.split()[0].lower()}.example")  # fmt: skip
    elif style == "recruiter":
        fn, ln = person(rng)
        text = (f"Hi there,\n\nI'm {fn} {ln}, a recruiter working with {company}. They're hiring a {title} "
                f"({et.lower()}, {wm.lower()}" + ("" if remote_city else f", {city}") + ")."
                + (f" Budget is {pay}." if pay else " Compensation is competitive and depends on experience.")
                + f"\n\nMust-haves: {', '.join(skills)}." + (f" Nice to have: {', '.join(nice)}." if nice else "")
                + (f" {exp}." if exp else "") + f"\n\nOpen to a quick call this week?\n\n{fn}\n"
                f"(If you'd rather not hear about roles like this, just reply STOP.)")  # fmt: skip
    else:
        text = (f"{title}\n{company}\n{loc}\n{et}" + (f"\n{pay}" if pay else "") + "\n\nAbout the role\n"
                f"You'll join a team of {rng.randint(4, 12)} working on {rng.choice(['our core platform', 'customer-facing apps', 'internal data tooling'])}. "
                "We value ownership, clear writing and kindness.\n\nWhat you bring\n" + "".join(f"• {s}\n" for s in skills)
                + (f"• {exp}\n" if exp else "") + ("\nBonus points\n" + "".join(f"• {s}\n" for s in nice) if nice else "")
                + "\nBenefits: 30 days holiday, learning budget, pension scheme.\n"
                "We are an equal opportunity employer and welcome applications from all backgrounds.")  # fmt: skip
    wrong = []
    w = copy.deepcopy(gold)
    w["skills"] = skills + nice
    wrong.append(w)
    w = copy.deepcopy(gold)
    if has_pay and period == "year" and lo != hi:
        w["salary_min"], w["salary_max"] = float(lo) / 1000, float(hi) / 1000
    elif has_pay:
        w["salary_period"] = "year" if period != "year" else "month"
    else:
        w["salary_currency"] = cur
    wrong.append(w)
    w = copy.deepcopy(gold)
    w["work_mode"] = "remote" if mode != "remote" else "hybrid"
    wrong.append(w)
    return gold, text, wrong


def country_label(c: str) -> str:
    return {"DE": "EU", "GB": "UK", "US": "US", "CA": "Canadian", "CH": "CET", "PL": "EU", "NL": "EU"}[c]


# ------------------------------------------------------------------------------------------ long tail
DISCLAIMER = (
    "CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use of the intended "
    "recipient(s) and may contain confidential and privileged information. Any unauthorized review, use, disclosure "
    "or distribution is prohibited. If you are not the intended recipient, please contact the sender by reply e-mail "
    "and destroy all copies of the original message. Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht "
    "der richtige Adressat sind, informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail. "
    "Please consider the environment before printing this e-mail."
)
TERMS = [
    "1. Payment terms: invoices are payable without deduction within the period stated on the invoice. Late payments "
    "accrue interest at 8 percentage points above the base rate per annum.",
    "2. Retention of title: delivered goods remain our property until all claims arising from the business relationship "
    "have been settled in full.",
    "3. Complaints: obvious defects must be notified in writing within 8 days of receipt of the goods; hidden defects "
    "within 8 days of discovery.",
    "4. Place of performance and jurisdiction is the registered office of the supplier. The law of the supplier's "
    "country applies, excluding the UN Convention on Contracts for the International Sale of Goods.",
    "5. Data protection: we process personal data in accordance with applicable law; see our privacy notice.",
]
SCANS = ["Label created, shipment information sent", "Picked up", "Departed facility", "Arrived at hub", "In transit",
         "Processed at sort centre", "Customs clearance completed", "Out for delivery scheduled next business day"]  # fmt: skip


def long_tail(rng: random.Random, kind: str, text: str, gold: dict) -> str:
    """Wrap a document in the kind of bulk real inputs carry: quoted threads, terms, scan histories."""
    fn, ln = person(rng)
    if kind == "invoice":
        extra = "\n\nGENERAL TERMS AND CONDITIONS\n" + "\n".join(TERMS) + "\n\n" + DISCLAIMER
        return text + extra * rng.choice([1, 1, 2])
    if kind == "support_ticket":
        quoted = "\n".join(
            f"> On {fmt_date(rand_date(rng, date(2026, 9, 1), 80), 'us_long')}, Support <support@shop.example> wrote:\n"
            f"> Thank you for contacting us. Your request #{rng.randint(100000, 999999)} has been received and one of our "
            "agents will get back to you within 2-3 business days. In the meantime, many questions are answered in our "
            "Help Centre. Please do not open a new request for the same issue, as this may delay our response.\n>"
            for _ in range(rng.randint(2, 4))
        )
        return text + "\n\n" + quoted + "\n\n" + DISCLAIMER
    if kind == "shipping_notice":
        ship = date.fromisoformat(gold["ship_date"])
        events = []
        for d in range(rng.randint(3, 7)):
            when = ship + timedelta(days=d // 2)
            events.append(f"{fmt_date(when, 'iso')} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}  "
                          f"{SCANS[min(d, len(SCANS) - 1)]}  {rng.choice(['MEMPHIS, TN', 'LOUISVILLE, KY', 'LEIPZIG', 'EAST MIDLANDS', 'MISSISSAUGA, ON', 'KÖLN'])}")  # fmt: skip
        return (
            text
            + "\n\nShipment progress\n"
            + "\n".join(events)
            + "\n\n"
            + (
                "Customs information: shipments to or from non-EU/UK destinations may be subject to import duties and taxes, "
                "which are the responsibility of the recipient unless otherwise agreed. Delivery dates are estimates and are "
                "not guaranteed; see the carrier's terms of carriage for details of liability limits. "
                * rng.choice([1, 2])
            )
        )
    about = (
        f"About {gold['company']}\nFounded in {rng.randint(2009, 2021)}, we have grown to {rng.randint(40, 900)} people across "
        f"{rng.randint(2, 9)} offices. Our customers include some of the largest companies in their industries, and we "
        "are backed by leading investors. We believe diverse teams build better products, and we are committed to an "
        "inclusive hiring process: if you need any adjustments, tell us and we will make them. Please apply even if you "
        "do not meet every single requirement; studies show that women and people from underrepresented groups are less "
        "likely to apply unless they tick every box.\n\nOur hiring process: a 30-minute intro call, a take-home exercise "
        "(paid, capped at 3 hours), a technical conversation with two engineers, and a values interview. We aim to give "
        f"feedback within five working days at every stage.\n\nRecruiter: {fn} {ln}"
    )
    return text + "\n\n" + about


# --------------------------------------------------------------------------------------------- rows
KINDS = {
    "invoice": (invoice, "Extract the invoice as JSON. Dates as YYYY-MM-DD; amounts as plain numbers (no currency "
                "symbols or thousands separators, decimal point); `tax` is the tax/VAT amount, 0 if none; `total` includes tax. "
                "Use null for optional fields that are not stated."),
    "support_ticket": (support_ticket, "Turn the customer message into a support ticket as JSON. Use the exact enum values "
                       "of the schema. `urgent` is true only for a safety hazard (smoke, sparks, burning smell, swollen battery) "
                       "or a deadline within 7 days. Null for anything the customer did not give. Dates as YYYY-MM-DD."),
    "shipping_notice": (shipping_notice, "Extract the shipment as JSON. Dates as YYYY-MM-DD (for a delivery window use the "
                        "latest date); tracking numbers without spaces; weight in kilograms rounded to 2 decimals "
                        "(1 lb = 0.45359237 kg); country as ISO 3166-1 alpha-2."),
    "job_post": (job_post, "Extract the job post as JSON. Salary as plain numbers (\"80k\" = 80000) with ISO currency; "
                 "`skills` are the required skills only, as written, in order; country as ISO 3166-1 alpha-2. Null when not stated."),
}  # fmt: skip
SYSTEM = ("You are a data-extraction service in a production pipeline. Read the document and return exactly one JSON "
          "object that validates against the provided schema. Output JSON only.")  # fmt: skip


def rows() -> list[dict]:
    out = []
    n = 0
    for k in range(N_PER_KIND):
        for kind, (fn, instructions) in KINDS.items():
            rng = random.Random(f"extraction:{kind}:{k}")
            gold, text, wrong = fn(rng, k)
            if rng.random() < 0.3:
                text = long_tail(rng, kind, text, gold)
            n += 1
            out.append(
                {
                    "id": f"ex-{n:04d}",
                    "messages": [
                        {"role": "system", "content": f"{SYSTEM}\n\n{instructions}"},
                        {"role": "user", "content": text},
                    ],
                    "response_format": {
                        "type": "json_schema",
                        "schema": f"{SCHEMA_DIR}/{kind}.json",
                        "name": kind,
                        "strict": True,
                    },
                    "max_tokens": max(500, 100 * round(len(json.dumps(gold)) / 150 + 1)),
                    "gold": gold,
                    "distractors": [w for w in wrong if w != gold],
                    "meta": {"kind": kind, "chars": len(text)},
                }
            )
    return out
