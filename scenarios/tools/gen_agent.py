"""agent: the next tool call(s) of an orchestration agent, mid-conversation.

Three agents (e-commerce support, on-call SRE, travel/calendar assistant) with OpenAI function tools.
Each record is a transcript up to some point (user request, earlier tool calls and their results) and
the gold is the next call(s), whose arguments follow from the results and the policy in the system
prompt (refund only the damaged line, roll back only if errors started after the deploy, scale by 1.5x,
book the cheapest matching offer ...). Distractors are the usual agent mistakes: refunding the whole
order, acting on the wrong id, skipping a lookup, rolling back to the broken version.
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta

# ---------------------------------------------------------------------------------------------- tools


def tool(name: str, desc: str, props: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": desc,
            "parameters": {
                "type": "object",
                "properties": props,
                "required": list(props) if required is None else required,
                "additionalProperties": False,
            },
        },
    }


S = {"type": "string"}
ORDER_ID = {"type": "string", "pattern": "^ORD-\\d{6}$"}
SUPPORT_TOOLS = [
    tool("lookup_customer", "Find a customer by email address.", {"email": {"type": "string", "format": "email"}}),
    tool("list_orders", "List a customer's orders, newest first.", {"customer_id": S, "status": {"type": "string", "enum": ["any", "open", "delivered", "returned"]}}, ["customer_id"]),
    tool("get_order", "Get one order with its line items, status and totals.", {"order_id": ORDER_ID}),
    tool("issue_refund", "Refund money to the original payment method.", {
        "order_id": ORDER_ID, "amount": {"type": "number", "exclusiveMinimum": 0},
        "reason": {"type": "string", "enum": ["damaged", "not_delivered", "wrong_item", "goodwill", "cancelled"]},
        "skus": {"type": "array", "items": S, "minItems": 1}}),
    tool("create_return_label", "Create a prepaid return label for some items of an order.", {
        "order_id": ORDER_ID,
        "items": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {"sku": S, "quantity": {"type": "integer", "minimum": 1}},
                  "required": ["sku", "quantity"], "additionalProperties": False}}}),
    tool("update_shipping_address", "Change the delivery address of an order that has not shipped yet.", {
        "order_id": ORDER_ID,
        "address": {"type": "object", "properties": {"line1": S, "city": S, "postal_code": S, "country": {"type": "string", "pattern": "^[A-Z]{2}$"}},
                    "required": ["line1", "city", "postal_code", "country"], "additionalProperties": False}}),
    tool("escalate_to_human", "Hand the conversation to a human agent.", {
        "order_id": ORDER_ID, "reason": {"type": "string", "enum": ["refund_over_limit", "address_change_after_shipment", "fraud_suspected", "other"]},
        "priority": {"type": "string", "enum": ["low", "normal", "high"]}}),
]  # fmt: skip
SRE_TOOLS = [
    tool("get_service_status", "Health, error rate, p99 latency and replica count of a service in a region.", {
        "service": S, "region": {"type": "string", "enum": ["us-east-1", "eu-west-1", "ap-southeast-2"]}}),
    tool("get_deploys", "Most recent deploys of a service, newest first.", {"service": S, "limit": {"type": "integer", "minimum": 1, "maximum": 20}}),
    tool("query_logs", "Search a service's logs.", {
        "service": S, "region": {"type": "string", "enum": ["us-east-1", "eu-west-1", "ap-southeast-2"]},
        "level": {"type": "string", "enum": ["debug", "info", "warn", "error"]}, "since_minutes": {"type": "integer", "minimum": 1, "maximum": 1440}}),
    tool("rollback_deploy", "Roll a service back to an earlier version.", {"service": S, "to_version": {"type": "string", "pattern": "^v\\d+\\.\\d+\\.\\d+$"}}),
    tool("scale_service", "Set the replica count of a service in a region.", {
        "service": S, "region": {"type": "string", "enum": ["us-east-1", "eu-west-1", "ap-southeast-2"]}, "replicas": {"type": "integer", "minimum": 1, "maximum": 40}}),
    tool("page_oncall", "Page the on-call engineer of a team.", {
        "team": S, "severity": {"type": "string", "enum": ["sev1", "sev2", "sev3"]}, "service": S}),
]  # fmt: skip
TRAVEL_TOOLS = [
    tool("search_flights", "Search flight offers.", {
        "origin": {"type": "string", "pattern": "^[A-Z]{3}$"}, "destination": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}, "cabin": {"type": "string", "enum": ["economy", "premium_economy", "business"]}}),
    tool("book_flight", "Book a flight offer for travellers from the user's profile.", {
        "offer_id": S, "traveller_ids": {"type": "array", "items": S, "minItems": 1}}),
    tool("get_calendar", "Busy slots of people between two ISO date-times.", {
        "people": {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 1},
        "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"}}),
    tool("create_event", "Create a calendar event and send invitations.", {
        "title": S, "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
        "attendees": {"type": "array", "items": {"type": "string", "format": "email"}, "minItems": 1}}),
]  # fmt: skip

SUPPORT_SYSTEM = (
    "You are the order-support agent of Northpeak Outdoor (online shop). Use the tools; never invent ids. "
    "Policy: refund damaged or missing items only (amount = unit price x affected quantity, reason 'damaged' "
    "or 'not_delivered'); refunds above $500.00 must be escalated to a human with reason 'refund_over_limit' "
    "and priority 'normal'; an address can only be changed while the order status is 'processing', otherwise "
    "escalate with reason 'address_change_after_shipment' and priority 'high'. Returns of unused items within "
    "30 days get a return label. Look the customer up by email before anything else."
)
SRE_SYSTEM = (
    "You are the on-call assistant for the platform team. Runbook: (1) check the service status in the "
    "affected region; (2) if the error rate is above 2% look at the last 5 deploys; (3) if the errors started "
    "within 30 minutes after the latest deploy, roll back to the version before it; otherwise page the owning "
    "team with severity sev2 (sev1 if the service is down). If a service is healthy but CPU is above 85%, "
    "scale it to ceil(1.5 x current replicas), at most 40. When you look at logs, use level 'error' and the "
    "window since the alert fired, rounded up to whole minutes."
)
TRAVEL_SYSTEM = (
    "You are a travel and calendar assistant. Today is {today} ({weekday}); the user is in Berlin "
    "(Europe/Berlin, UTC+01:00). Use IATA airport codes (Berlin BER, Lisbon LIS, London LHR, Paris CDG, "
    'Madrid MAD, Vienna VIE, Stockholm ARN, Rome FCO). "Next <weekday>" means the first such day after '
    "today. Default cabin is economy. When booking, choose the "
    "cheapest offer that satisfies every constraint the user gave. Times in tool calls are ISO 8601 with offset."
)


def call_msg(calls: list[tuple[str, dict]], rng: random.Random) -> dict:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{rng.getrandbits(48):012x}",
                "type": "function",
                "function": {"name": n, "arguments": json.dumps(a, ensure_ascii=False)},
            }  # fmt: skip
            for n, a in calls
        ],
    }


def result_msgs(call: dict, results: list[dict]) -> list[dict]:
    return [
        {"role": "tool", "tool_call_id": tc["id"], "content": json.dumps(r, ensure_ascii=False)}
        for tc, r in zip(call["tool_calls"], results, strict=True)
    ]


def tc_json(calls: list[tuple[str, dict]]) -> str:
    return json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in calls]}, ensure_ascii=False)


# ---------------------------------------------------------------------------------- support scenarios
FIRST = [
    "Hannah",
    "Luis",
    "Mei",
    "Jonas",
    "Aaliyah",
    "Pierre",
    "Sanna",
    "Kenji",
    "Olu",
    "Marta",
    "Ravi",
    "Chloe",
]
LAST = [
    "Becker",
    "Moreno",
    "Lin",
    "Larsen",
    "Brooks",
    "Durand",
    "Virtanen",
    "Sato",
    "Adeyemi",
    "Nowak",
    "Iyer",
    "Walsh",
]
PRODUCTS = [("TENT-2P-GRN", "Ridgeline 2-person tent", 289.0), ("BAG-SLP-M10", "Summit -10°C sleeping bag", 219.0),
            ("STV-TI-01", "Titanium camping stove", 64.5), ("JKT-RAIN-M", "StormShell rain jacket (M)", 179.0),
            ("BOOT-HK-43", "Trailhead hiking boots (EU 43)", 159.95), ("POLE-CF-PR", "Carbon trekking poles (pair)", 119.0),
            ("LAMP-H400", "Head lamp 400 lm", 39.9), ("PACK-45L", "Alpine 45 L backpack", 199.0),
            ("MAT-INF-R", "Inflatable sleeping mat", 129.0), ("BTL-1L-ST", "Steel bottle 1 L", 24.5)]  # fmt: skip


def support_context(rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = (
        f"{first.lower()}.{last.lower()}@{rng.choice(['gmail.com', 'outlook.com', 'posteo.de', 'me.com'])}"
    )
    items = []
    for sku, name, price in rng.sample(PRODUCTS, rng.randint(2, 4)):
        items.append({"sku": sku, "name": name, "quantity": rng.choice([1, 1, 1, 2, 3]), "unit_price": price})
    total = round(sum(i["quantity"] * i["unit_price"] for i in items), 2)
    cid = f"C-{rng.randint(10000, 99999)}"
    recent = f"ORD-{rng.randint(300000, 399999)}"
    older = f"ORD-{rng.randint(200000, 299999)}"
    placed = date(2026, 11, 1) + timedelta(days=rng.randint(0, 20))
    return {"first": first, "last": last, "email": email, "cid": cid, "recent": recent, "older": older,
            "items": items, "total": total, "placed": placed}  # fmt: skip


def support_history(rng: random.Random, c: dict, user: str, depth: int, status: str) -> list[dict]:
    """Transcript with ``depth`` tool steps done: 0 none, 1 lookup, 2 + list_orders, 3 + get_order."""
    msgs = [{"role": "system", "content": SUPPORT_SYSTEM}, {"role": "user", "content": user}]
    if depth >= 1:
        m = call_msg([("lookup_customer", {"email": c["email"]})], rng)
        msgs += [
            m,
            *result_msgs(
                m,
                [
                    {
                        "customer_id": c["cid"],
                        "name": f"{c['first']} {c['last']}",
                        "email": c["email"],
                        "since": "2023-04-18",
                    }
                ],
            ),
        ]
    if depth >= 2:
        m = call_msg([("list_orders", {"customer_id": c["cid"]})], rng)
        orders = [{"order_id": c["recent"], "placed": c["placed"].isoformat(), "status": status, "total": c["total"]},
                  {"order_id": c["older"], "placed": (c["placed"] - timedelta(days=rng.randint(60, 300))).isoformat(), "status": "delivered", "total": round(rng.uniform(30, 400), 2)}]  # fmt: skip
        msgs += [m, *result_msgs(m, [{"orders": orders}])]
    if depth >= 3:
        m = call_msg([("get_order", {"order_id": c["recent"]})], rng)
        msgs += [m, *result_msgs(m, [{"order_id": c["recent"], "status": status, "placed": c["placed"].isoformat(),
                                      "items": c["items"], "shipping": 0.0, "total": c["total"], "currency": "USD"}])]  # fmt: skip
    return msgs


def support_damaged(rng: random.Random, depth: int, big: bool = False) -> dict:
    c = support_context(rng)
    bad = rng.choice(c["items"])
    qty = bad["quantity"] if bad["quantity"] == 1 or rng.random() < 0.5 else 1
    if big:  # a refund above the $500 limit: must be escalated
        sku, name, price = PRODUCTS[0]
        bad = {"sku": sku, "name": name, "quantity": 2, "unit_price": price}
        c["items"] = [i for i in c["items"] if i["sku"] != sku] + [bad]
        c["total"] = round(sum(i["quantity"] * i["unit_price"] for i in c["items"]), 2)
        qty = 2
    amount = round(bad["unit_price"] * qty, 2)
    num = {1: "one", 2: "two", 3: "three"}[qty]
    what = (
        f"the {bad['name']} was"
        if bad["quantity"] == 1
        else f"{num} of the {bad['quantity']} x {bad['name']} {'was' if qty == 1 else 'were'}"
    )
    user = rng.choice([
        f"Hi, my last order arrived today but {what} broken. Everything else is fine. My email is {c['email']}.",
        f"{c['email']} here. Some of my most recent order came damaged: {what} cracked. I'd like a refund for that please, keep the rest.",
        f"Package came in and {what} smashed. Rest of the order is OK. Can I get my money back for the broken one(s)? ({c['email']})",
    ])  # fmt: skip
    if depth < 3:
        msgs = support_history(rng, c, user, depth, "delivered")
        nxt = (
            [("lookup_customer", {"email": c["email"]})]
            if depth == 0
            else [("list_orders", {"customer_id": c["cid"]})]
            if depth == 1
            else [("get_order", {"order_id": c["recent"]})]
        )
        wrong = {0: [[("list_orders", {"customer_id": c["email"]})], [("issue_refund", {"order_id": c["recent"], "amount": amount, "reason": "damaged", "skus": [bad["sku"]]})]],
                 1: [[("get_order", {"order_id": c["recent"]})], [("list_orders", {"customer_id": c["email"]})]],
                 2: [[("get_order", {"order_id": c["older"]})], [("issue_refund", {"order_id": c["recent"], "amount": c["total"], "reason": "damaged", "skus": [bad["sku"]]})]]}[depth]  # fmt: skip
        what = ["look the customer up by email", "list the customer's orders", "open the most recent order"][
            depth
        ]
        return dict(messages=msgs, gold_calls=nxt, wrong=wrong, gold=f"Next: {what} ({nxt[0][0]}).")
    msgs = support_history(rng, c, user, 3, "delivered")
    if amount > 500:
        nxt = [
            (
                "escalate_to_human",
                {"order_id": c["recent"], "reason": "refund_over_limit", "priority": "normal"},
            )
        ]
        wrong = [
            [
                (
                    "issue_refund",
                    {"order_id": c["recent"], "amount": amount, "reason": "damaged", "skus": [bad["sku"]]},
                )
            ],
            [("escalate_to_human", {"order_id": c["recent"], "reason": "other", "priority": "high"})],
        ]
        return dict(
            messages=msgs,
            gold_calls=nxt,
            wrong=wrong,
            gold=f"Refund {amount:.2f} exceeds the $500 limit: escalate {c['recent']} (refund_over_limit, normal).",
        )
    nxt = [
        (
            "issue_refund",
            {"order_id": c["recent"], "amount": amount, "reason": "damaged", "skus": [bad["sku"]]},
        )
    ]
    wrong = [[("issue_refund", {"order_id": c["recent"], "amount": c["total"], "reason": "damaged", "skus": [i["sku"] for i in c["items"]]})],
             [("issue_refund", {"order_id": c["older"], "amount": amount, "reason": "damaged", "skus": [bad["sku"]]})],
             [("create_return_label", {"order_id": c["recent"], "items": [{"sku": bad["sku"], "quantity": qty}]})]]  # fmt: skip
    if bad["quantity"] > 1:
        wrong[1] = [
            (
                "issue_refund",
                {
                    "order_id": c["recent"],
                    "amount": round(bad["unit_price"] * (bad["quantity"] if qty == 1 else 1), 2),
                    "reason": "damaged",
                    "skus": [bad["sku"]],
                },
            )
        ]
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Refund {amount:.2f} for {qty} x {bad['sku']} on {c['recent']} (reason damaged), not the whole order.",
    )


ADDRESSES = [("Kastanienallee 12", "Berlin", "10435", "DE"), ("221 Elm Street, Apt 4B", "Portland", "97205", "US"),
             ("18 Rue des Martyrs", "Paris", "75009", "FR"), ("Flat 3, 9 Clarence Road", "Bristol", "BS1 6RG", "GB"),
             ("Via Tortona 27", "Milano", "20144", "IT"), ("1480 W 12th Ave", "Vancouver", "V6H 1M4", "CA")]  # fmt: skip


def support_address(rng: random.Random, shipped: bool) -> dict:
    c = support_context(rng)
    line1, city, postal, country = rng.choice(ADDRESSES)
    status = rng.choice(["shipped", "in_transit"]) if shipped else "processing"
    user = rng.choice([
        f"Hi! I just ordered but I'm moving. Please send order {c['recent']} to {line1}, {postal} {city}, {country_name(country)} instead. ({c['email']})",
        f"Can you change the delivery address on my order {c['recent']}? New one: {line1}, {city} {postal}, {country_name(country)}. Email on the account is {c['email']}.",
    ])  # fmt: skip
    msgs = support_history(rng, c, user, 1, status)
    m = call_msg([("get_order", {"order_id": c["recent"]})], rng)
    msgs += [
        m,
        *result_msgs(
            m,
            [
                {
                    "order_id": c["recent"],
                    "status": status,
                    "placed": c["placed"].isoformat(),
                    "items": c["items"],
                    "total": c["total"],
                    "currency": "USD",
                }
            ],
        ),
    ]
    addr = {"line1": line1, "city": city, "postal_code": postal, "country": country}
    if shipped:
        nxt = [
            (
                "escalate_to_human",
                {"order_id": c["recent"], "reason": "address_change_after_shipment", "priority": "high"},
            )
        ]
        wrong = [
            [("update_shipping_address", {"order_id": c["recent"], "address": addr})],
            [("escalate_to_human", {"order_id": c["recent"], "reason": "other", "priority": "normal"})],
        ]
        return dict(
            messages=msgs,
            gold_calls=nxt,
            wrong=wrong,
            gold=f"Order already {status}: escalate {c['recent']} (address_change_after_shipment, high).",
        )
    nxt = [("update_shipping_address", {"order_id": c["recent"], "address": addr})]
    wrong = [
        [
            (
                "update_shipping_address",
                {"order_id": c["recent"], "address": {**addr, "country": country_name(country)}},
            )
        ],
        [
            (
                "escalate_to_human",
                {"order_id": c["recent"], "reason": "address_change_after_shipment", "priority": "high"},
            )
        ],
    ]
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Order still processing: update the address of {c['recent']} to {line1}, {postal} {city}, {country}.",
    )


def country_name(code: str) -> str:
    return {"DE": "Germany", "US": "USA", "FR": "France", "GB": "UK", "IT": "Italy", "CA": "Canada"}[code]


def support_return(rng: random.Random) -> dict:
    c = support_context(rng)
    keep, *ret = c["items"]
    ret_items = [{"sku": i["sku"], "quantity": i["quantity"]} for i in ret]
    names = " and the ".join(i["name"] for i in ret)
    user = rng.choice([
        f"I'd like to return the {names} from my last order - never used, still in the packaging. Keeping the {keep['name']}. {c['email']}",
        f"Hello, email {c['email']}. Everything from my recent order except the {keep['name']} has to go back (unused, wrong size/colour). How do I send it back?",
    ])  # fmt: skip
    msgs = support_history(rng, c, user, 3, "delivered")
    nxt = [("create_return_label", {"order_id": c["recent"], "items": ret_items})]
    wrong = [[("create_return_label", {"order_id": c["recent"], "items": [{"sku": i["sku"], "quantity": i["quantity"]} for i in c["items"]]})],
             [("issue_refund", {"order_id": c["recent"], "amount": round(sum(i["quantity"] * i["unit_price"] for i in ret), 2), "reason": "goodwill", "skus": [i["sku"] for i in ret]})]]  # fmt: skip
    if any(i["quantity"] > 1 for i in ret):
        wrong.append(
            [
                (
                    "create_return_label",
                    {"order_id": c["recent"], "items": [{"sku": i["sku"], "quantity": 1} for i in ret]},
                )
            ]
        )
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Create a return label for {c['recent']} covering {', '.join(i['sku'] for i in ret)} (all units), not {keep['sku']}.",
    )


# -------------------------------------------------------------------------------------- SRE scenarios
SERVICES = [("checkout", "payments-team"), ("search-api", "discovery"), ("auth", "identity"), ("inventory", "fulfilment"),
            ("notifications", "messaging"), ("pricing", "commerce-core")]  # fmt: skip
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def ver(rng: random.Random) -> tuple[str, str, str]:
    major, minor, patch = rng.randint(1, 4), rng.randint(0, 30), rng.randint(1, 9)
    return (
        f"v{major}.{minor}.{patch}",
        f"v{major}.{minor}.{patch - 1}",
        f"v{major}.{minor - 1 if minor else 0}.{rng.randint(0, 9)}",
    )


def sre_incident(rng: random.Random, variant: str) -> dict:
    svc, team = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    alert_min = rng.randint(6, 40)
    alert_sec = rng.randint(1, 59)
    user = rng.choice([
        f"ALERT: {svc} error rate high in {region} (firing for {alert_min}m{alert_sec:02d}s). Please investigate.",
        f"PagerDuty: [{region}] {svc} 5xx ratio > 2% - triggered {alert_min} min {alert_sec} s ago. Can you take a look?",
    ])  # fmt: skip
    msgs = [{"role": "system", "content": SRE_SYSTEM}, {"role": "user", "content": user}]
    err = round(rng.uniform(2.5, 30.0), 1)
    down = variant == "down"
    replicas = rng.randint(3, 14)
    m = call_msg([("get_service_status", {"service": svc, "region": region})], rng)
    msgs += [m, *result_msgs(m, [{"service": svc, "region": region, "health": "down" if down else "degraded", "error_rate_pct": 100.0 if down else err,
                                   "p99_ms": rng.randint(900, 6000), "replicas": replicas, "cpu_pct": rng.randint(20, 70), "owner_team": team}])]  # fmt: skip
    if variant == "status_only":
        nxt = [("get_deploys", {"service": svc, "limit": 5})]
        wrong = [
            [("rollback_deploy", {"service": svc, "to_version": ver(rng)[1]})],
            [("page_oncall", {"team": team, "severity": "sev1", "service": svc})],
        ]
        return dict(
            messages=msgs,
            gold_calls=nxt,
            wrong=wrong,
            gold=f"Error rate {err}% > 2%: check recent deploys of {svc} (limit 5).",
            note="limit 5 is the runbook's usual page size",
        )
    new, prev, older = ver(rng)
    since_deploy = (
        rng.randint(alert_min + 2, alert_min + 25)
        if variant == "rollback"
        else rng.randint(alert_min + 95, alert_min + 600)
    )
    m = call_msg([("get_deploys", {"service": svc, "limit": 5})], rng)
    deploys = [{"version": new, "minutes_ago": since_deploy, "author": rng.choice(["ci-bot", "a.kim", "j.ortiz", "release-train"])},
               {"version": prev, "minutes_ago": since_deploy + rng.randint(600, 4000), "author": "release-train"},
               {"version": older, "minutes_ago": since_deploy + rng.randint(5000, 12000), "author": "release-train"}]  # fmt: skip
    msgs += [m, *result_msgs(m, [{"deploys": deploys}])]
    started = alert_min + 1 if variant == "rollback" else alert_min + rng.randint(1, 3)
    if variant == "down":
        since_deploy = started + rng.randint(1, 20)
    m = call_msg(
        [
            (
                "query_logs",
                {"service": svc, "region": region, "level": "error", "since_minutes": alert_min + 1},
            )
        ],
        rng,
    )
    msgs += [m, *result_msgs(m, [{"first_error_minutes_ago": started, "count": rng.randint(200, 9000),
                                  "top": [f"NullPointerException in {svc.title().replace('-', '')}Handler.resolve (line {rng.randint(40, 400)})",
                                          "upstream connect error or disconnect/reset before headers"]}])]  # fmt: skip
    if variant in ("rollback", "down") and 0 <= since_deploy - started <= 30:
        nxt = [("rollback_deploy", {"service": svc, "to_version": prev})]
        wrong = [[("rollback_deploy", {"service": svc, "to_version": new})], [("rollback_deploy", {"service": svc, "to_version": older})],
                 [("page_oncall", {"team": team, "severity": "sev1" if down else "sev2", "service": svc})]]  # fmt: skip
        return dict(
            messages=msgs,
            gold_calls=nxt,
            wrong=wrong,
            gold=f"Errors began {since_deploy - started} min after deploying {new}: roll {svc} back to {prev}.",
        )
    nxt = [("page_oncall", {"team": team, "severity": "sev2", "service": svc})]
    wrong = [[("rollback_deploy", {"service": svc, "to_version": prev})], [("page_oncall", {"team": team, "severity": "sev1", "service": svc})],
             [("page_oncall", {"team": "platform", "severity": "sev2", "service": svc})]]  # fmt: skip
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Deploy {new} was {since_deploy} min ago, errors only {started} min: not deploy-related, page {team} (sev2).",
    )


def sre_logs(rng: random.Random) -> dict:
    svc, team = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    mins, secs = rng.randint(3, 50), rng.randint(1, 59)
    user = f"{svc} in {region} started throwing errors about {mins} minutes and {secs} seconds ago (that's when the alert fired). What's in the logs?"
    msgs = [{"role": "system", "content": SRE_SYSTEM}, {"role": "user", "content": user}]
    nxt = [("query_logs", {"service": svc, "region": region, "level": "error", "since_minutes": mins + 1})]
    wrong = [[("query_logs", {"service": svc, "region": region, "level": "error", "since_minutes": mins})],
             [("query_logs", {"service": svc, "region": region, "level": "warn", "since_minutes": mins + 1})],
             [("get_deploys", {"service": svc, "limit": 5})]]  # fmt: skip
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Query {svc} error logs in {region} for the last {mins + 1} minutes ({mins}m{secs}s rounded up).",
    )


def sre_scale(rng: random.Random, parallel: bool) -> dict:
    (svc, team), (svc2, team2) = rng.sample(SERVICES, 2)
    region = rng.choice(REGIONS)
    if parallel:
        user = (
            f"Black Friday traffic is ramping up. Check {svc} and {svc2} in {region}, in that order, please."
        )
        msgs = [{"role": "system", "content": SRE_SYSTEM}, {"role": "user", "content": user}]
        nxt = [
            ("get_service_status", {"service": svc, "region": region}),
            ("get_service_status", {"service": svc2, "region": region}),
        ]
        wrong = [[("get_service_status", {"service": svc2, "region": region}), ("get_service_status", {"service": svc, "region": region})],
                 [("get_service_status", {"service": svc, "region": region})]]  # fmt: skip
        return dict(
            messages=msgs,
            gold_calls=nxt,
            wrong=wrong,
            gold=f"Two status checks, {svc} then {svc2}, both in {region}.",
        )
    replicas = rng.randint(2, 30)
    cpu = rng.randint(86, 99)
    user = f"{svc} in {region} looks sluggish, can you check it?"
    msgs = [{"role": "system", "content": SRE_SYSTEM}, {"role": "user", "content": user}]
    m = call_msg([("get_service_status", {"service": svc, "region": region})], rng)
    msgs += [m, *result_msgs(m, [{"service": svc, "region": region, "health": "healthy", "error_rate_pct": round(rng.uniform(0.0, 0.9), 2),
                                   "p99_ms": rng.randint(400, 1500), "replicas": replicas, "cpu_pct": cpu, "owner_team": team}])]  # fmt: skip
    target = min(40, math.ceil(1.5 * replicas))
    nxt = [("scale_service", {"service": svc, "region": region, "replicas": target})]
    wrong = [[("scale_service", {"service": svc, "region": region, "replicas": int(1.5 * replicas) if int(1.5 * replicas) != target else replicas * 2})],
             [("scale_service", {"service": svc, "region": region, "replicas": min(40, replicas + 1)})],
             [("get_deploys", {"service": svc, "limit": 5})]]  # fmt: skip
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Healthy but CPU {cpu}%: scale {svc} in {region} from {replicas} to ceil(1.5x{replicas}) = {target}.",
    )


# ----------------------------------------------------------------------------------- travel scenarios
CITIES = [
    ("Lisbon", "LIS"),
    ("London", "LHR"),
    ("Paris", "CDG"),
    ("Madrid", "MAD"),
    ("Vienna", "VIE"),
    ("Stockholm", "ARN"),
    ("Rome", "FCO"),
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TODAY = date(2026, 11, 28)


def travel_search(rng: random.Random) -> dict:
    city, code = rng.choice(CITIES)
    wd = rng.randrange(7)
    ahead = (wd - TODAY.weekday()) % 7 or 7
    day = TODAY + timedelta(days=ahead)
    cabin = rng.choice(["economy", "economy", "business", "premium_economy"])
    cabin_txt = {"economy": "", "business": " in business", "premium_economy": " premium economy"}[cabin]
    user = rng.choice(
        [
            f"Find me a flight to {city} next {WEEKDAYS[wd]}{cabin_txt}.",
            f"I need to be in {city} on {WEEKDAYS[wd]}{cabin_txt} - what flights are there from Berlin?",
        ]
    )
    msgs = [
        {
            "role": "system",
            "content": TRAVEL_SYSTEM.format(today=TODAY.isoformat(), weekday=WEEKDAYS[TODAY.weekday()]),
        },
        {"role": "user", "content": user},
    ]
    nxt = [
        ("search_flights", {"origin": "BER", "destination": code, "date": day.isoformat(), "cabin": cabin})
    ]
    wrong = [[("search_flights", {"origin": "BER", "destination": code, "date": (day + timedelta(days=7)).isoformat(), "cabin": cabin})],
             [("search_flights", {"origin": "TXL", "destination": code, "date": day.isoformat(), "cabin": cabin})],
             [("search_flights", {"origin": "BER", "destination": code, "date": day.isoformat(), "cabin": "economy" if cabin != "economy" else "business"})]]  # fmt: skip
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Search BER-{code} on {day.isoformat()} ({WEEKDAYS[wd]}), {cabin}.",
    )


def travel_book(rng: random.Random) -> dict:
    city, code = rng.choice(CITIES)
    day = TODAY + timedelta(days=rng.randint(3, 40))
    latest = rng.choice([11, 12, 14, 16])
    nonstop = rng.random() < 0.6
    travellers = ["T-1"] if rng.random() < 0.6 else ["T-1", "T-2"]
    who = "me" if len(travellers) == 1 else "me and my partner"
    user = (
        f"Book {who} on a flight to {city} on {day.isoformat()}, landing before {latest}:00"
        + (", nonstop only" if nonstop else "")
        + ". Cheapest that fits."
    )
    msgs = [
        {
            "role": "system",
            "content": TRAVEL_SYSTEM.format(today=TODAY.isoformat(), weekday=WEEKDAYS[TODAY.weekday()]),
        },
        {"role": "user", "content": user},
    ]
    m = call_msg(
        [
            (
                "search_flights",
                {"origin": "BER", "destination": code, "date": day.isoformat(), "cabin": "economy"},
            )
        ],
        rng,
    )
    offers = []
    for k in range(rng.randint(4, 6)):
        dep = rng.randint(6, 17)
        dur = rng.randint(2, 4) + (0 if k % 2 else rng.randint(1, 3))
        offers.append({"offer_id": f"OF-{rng.randint(1000, 9999)}{'ABCDEFG'[k]}", "depart": f"{day.isoformat()}T{dep:02d}:{rng.choice(['05', '20', '35', '50'])}:00+01:00",
                       "arrive_local": f"{day.isoformat()}T{min(dep + dur, 23):02d}:{rng.choice(['10', '25', '40', '55'])}:00", "stops": 0 if k % 2 else 1,
                       "price_eur": rng.randint(69, 420), "carrier": rng.choice(["LH", "TP", "BA", "AF", "IB", "OS", "SK", "AZ", "EW"])})  # fmt: skip
    prices = rng.sample(range(69, 420), len(offers))  # distinct prices: "cheapest" is unambiguous
    for o, price in zip(offers, prices, strict=True):
        o["price_eur"] = price
    # make sure at least one offer fits and the cheapest overall does not
    ok = [o for o in offers if int(o["arrive_local"][11:13]) < latest and (not nonstop or o["stops"] == 0)]
    if not ok:
        o = offers[1]
        o["arrive_local"] = f"{day.isoformat()}T{latest - 1:02d}:15:00"
        o["depart"] = f"{day.isoformat()}T{latest - 4:02d}:05:00+01:00"
        o["stops"] = 0
        ok = [o]
    best = min(ok, key=lambda o: o["price_eur"])
    cheapest = min(offers, key=lambda o: o["price_eur"])
    if cheapest is best:
        bad = next(o for o in offers if o not in ok) if len(ok) < len(offers) else None
        if bad is not None:
            bad["price_eur"] = best["price_eur"] - rng.choice([7, 13, 21, 34])
            if (
                any(o["price_eur"] == bad["price_eur"] for o in offers if o is not bad)
                or bad["price_eur"] < 40
            ):
                bad["price_eur"] = best["price_eur"] - 1
    msgs += [m, *result_msgs(m, [{"offers": offers}])]
    m = call_msg(
        [
            (
                "get_calendar",
                {
                    "people": ["me@home.example"],
                    "start": f"{day.isoformat()}T00:00:00+01:00",
                    "end": f"{day.isoformat()}T23:59:00+01:00",
                },
            )
        ],
        rng,
    )
    msgs += [m, *result_msgs(m, [{"busy": []}])]
    msgs.append(
        {
            "role": "assistant",
            "content": f"Your calendar is free on {day.isoformat()}. Which travellers should I book? Your profile has T-1 (you) and T-2 (your partner).",
        }
    )
    msgs.append({"role": "user", "content": "just me" if len(travellers) == 1 else "both of us"})
    nxt = [("book_flight", {"offer_id": best["offer_id"], "traveller_ids": travellers})]
    cheapest = min(offers, key=lambda o: o["price_eur"])
    wrong = [[("book_flight", {"offer_id": cheapest["offer_id"], "traveller_ids": travellers})],
             [("book_flight", {"offer_id": best["offer_id"], "traveller_ids": ["T-1", "T-2"] if len(travellers) == 1 else ["T-1"]})]]  # fmt: skip
    if cheapest is best:
        wrong[0] = [
            (
                "book_flight",
                {
                    "offer_id": max(offers, key=lambda o: o["price_eur"])["offer_id"],
                    "traveller_ids": travellers,
                },
            )
        ]
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f"Book {best['offer_id']} (EUR {best['price_eur']}, cheapest arriving before {latest}:00{', nonstop' if nonstop else ''}) for {', '.join(travellers)}.",
    )


def travel_meeting(rng: random.Random) -> dict:
    people = rng.sample(
        [
            "ana@acme.example",
            "ben@acme.example",
            "chidi@acme.example",
            "dora@acme.example",
            "emil@acme.example",
        ],
        rng.randint(2, 3),
    )
    day = TODAY + timedelta(days=rng.choice([2, 3, 4, 5]))
    title = rng.choice(["Q1 budget sync", "Vendor shortlist review", "Offsite planning", "Hiring debrief"])
    dur = rng.choice([30, 45, 60])
    user = (f"Set up a {dur}-minute meeting called \"{title}\" with {', '.join(p.split('@')[0].title() for p in people)} on "
            f"{WEEKDAYS[day.weekday()]} {day.isoformat()} afternoon (13:00-18:00), first slot where everyone is free. "
            f"Their emails: {', '.join(people)}.")  # fmt: skip
    msgs = [
        {
            "role": "system",
            "content": TRAVEL_SYSTEM.format(today=TODAY.isoformat(), weekday=WEEKDAYS[TODAY.weekday()]),
        },
        {"role": "user", "content": user},
    ]
    m = call_msg(
        [
            (
                "get_calendar",
                {
                    "people": people,
                    "start": f"{day.isoformat()}T13:00:00+01:00",
                    "end": f"{day.isoformat()}T18:00:00+01:00",
                },
            )
        ],
        rng,
    )
    # busy blocks in 15-min steps
    busy = []
    cursor = 13 * 60 + rng.choice([0, 15])
    for p in people:
        length = rng.choice([30, 45, 60])
        busy.append({"person": p, "start": hm(day, cursor), "end": hm(day, cursor + length)})
        cursor += length - rng.choice([0, 15])
    free_from = max(b_end(b) for b in busy)
    msgs += [m, *result_msgs(m, [{"busy": busy}])]
    nxt = [
        (
            "create_event",
            {
                "title": title,
                "start": hm(day, free_from),
                "end": hm(day, free_from + dur),
                "attendees": people,
            },
        )
    ]
    wrong = [[("create_event", {"title": title, "start": hm(day, 13 * 60), "end": hm(day, 13 * 60 + dur), "attendees": people})],
             [("create_event", {"title": title, "start": hm(day, free_from), "end": hm(day, free_from + dur), "attendees": people[:-1]})],
             [("create_event", {"title": title, "start": hm(day, free_from).replace("+01:00", "Z"), "end": hm(day, free_from + dur).replace("+01:00", "Z"), "attendees": people})]]  # fmt: skip
    return dict(
        messages=msgs,
        gold_calls=nxt,
        wrong=wrong,
        gold=f'Create "{title}" at {hm(day, free_from)} for {dur} min with all {len(people)} attendees.',
    )


def hm(day: date, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00+01:00"


def b_end(b: dict) -> int:
    h, m = b["end"][11:16].split(":")
    return int(h) * 60 + int(m)


# --------------------------------------------------------------------------------------------- rows
PLAN = (
    [("support", lambda r, d=d: support_damaged(r, d)) for d in (0, 1, 2, 3, 3, 3, 3)]
    + [("support", lambda r: support_damaged(r, 3, big=True))] * 2
    + [("support", lambda r: support_address(r, False))] * 3
    + [("support", lambda r: support_address(r, True))] * 2
    + [("support", support_return)] * 4
    + [("sre", lambda r: sre_incident(r, "status_only"))] * 2
    + [("sre", lambda r: sre_incident(r, "rollback"))] * 4
    + [("sre", lambda r: sre_incident(r, "down"))] * 2
    + [("sre", lambda r: sre_incident(r, "late"))] * 3
    + [("sre", sre_logs)] * 3
    + [("sre", lambda r: sre_scale(r, False))] * 3
    + [("sre", lambda r: sre_scale(r, True))] * 2
    + [("travel", travel_search)] * 4
    + [("travel", travel_book)] * 4
    + [("travel", travel_meeting)] * 3
)
TOOLS = {"support": SUPPORT_TOOLS, "sre": SRE_TOOLS, "travel": TRAVEL_TOOLS}


def rows() -> list[dict]:
    out = []
    for n, (domain, make) in enumerate(PLAN, start=1):
        rng = random.Random(f"agent:{n}")
        s = make(rng)
        wrong = [tc_json(w) for w in s["wrong"] if w != s["gold_calls"]]
        out.append(
            {
                "id": f"ag-{n:04d}",
                "messages": s["messages"],
                "tools": TOOLS[domain],
                "tool_choice": "auto",
                "max_tokens": 300,
                "gold": s["gold"],
                "gold_tool_calls": [{"name": name, "arguments": args} for name, args in s["gold_calls"]],
                "distractors": list(dict.fromkeys(wrong)),
                "meta": {"domain": domain, "turns": len(s["messages"])},
            }
        )
    return out
