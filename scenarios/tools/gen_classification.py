"""classification: support-ticket intent routing for a smart-home company (devices + app subscription).

Single-intent tickets per label in many voices (terse, polite, angry, non-native, pasted from a phone),
plus mixed tickets whose label follows the precedence rule stated in the system prompt, which is where
models disagree with the guidelines most often.
"""

from __future__ import annotations

import random

LABELS = ["refund_request", "cancellation", "account_access", "shipping_delay", "billing", "bug_report",
          "feature_request", "how_to"]  # fmt: skip
CONFUSABLE = {
    "refund_request": ["billing", "cancellation"], "cancellation": ["refund_request", "billing"],
    "account_access": ["bug_report", "how_to"], "shipping_delay": ["refund_request", "how_to"],
    "billing": ["refund_request", "bug_report"], "bug_report": ["feature_request", "how_to"],
    "feature_request": ["bug_report", "how_to"], "how_to": ["feature_request", "bug_report"],
}  # fmt: skip
SYSTEM = (
    "You route customer-support tickets for Lumora (smart-home devices and the Lumora app with Plus/Pro "
    "subscriptions). Classify the ticket into exactly one label:\n"
    "- refund_request: the customer asks for money back (for any reason)\n"
    "- cancellation: the customer wants to end a subscription or close the account\n"
    "- account_access: cannot log in, password reset, 2FA, locked or hacked account\n"
    "- shipping_delay: an order has not arrived or is late\n"
    "- billing: questions or problems with charges, invoices, payment methods, plan prices\n"
    "- bug_report: the app or a device does not work as it should\n"
    "- feature_request: asks for something the product does not do yet\n"
    "- how_to: asks how to use something the product already does\n"
    "When several apply, pick the first one in the order listed above. Answer with the label only."
)
DEVICES = [
    "Lumora Cam 2",
    "Lumora Doorbell",
    "Lumora Thermostat",
    "Lumora Plug Mini",
    "Lumora Hub",
    "Lumora Floodlight",
]
PLANS = ["Plus", "Pro", "Plus annual", "Pro family"]
NAMES = [
    "Dana",
    "Kofi",
    "Mirela",
    "Hiroshi",
    "Gabriel",
    "Anneke",
    "Sunita",
    "Brendan",
    "Lina",
    "Rafael",
    "Ewa",
    "Tariq",
]
SIGN = [
    "",
    "\n\nThanks,\n{name}",
    "\n\n- {name}",
    "\n\nSent from my Galaxy",
    "\n\nRegards\n{name} ({email})",
    "\n\ncheers",
]

T = {
    "refund_request": [
        "I was charged {amount} for {plan} but I never used it. Please refund the charge.",
        "The {device} stopped working after two weeks and I'd like my money back, not another one.",
        "hi, i cancelled on {date} but got billed {amount} anyway. i want that refunded asap",
        "Bought the {device} as a gift, they already have one. Can I return it for a full refund? Order {order}.",
        "Your app update broke my {device} and I've wasted hours. Refund my {plan} subscription for this month.",
        "Guten Tag, I have paid two times for order {order}. Please give back {amount}. Thank you",
        "Order {order} arrived 3 weeks late and I had to buy something else in the meantime. I want a refund.",
    ],
    "cancellation": [
        "Please cancel my {plan} subscription effective immediately. I don't need it anymore.",
        "How do I stop the auto-renewal? I want to end {plan} at the end of this billing period.",
        "Close my account and delete all my data please.",
        "we're moving to a flat with a built-in system so we want to cancel the {plan} plan. no refund needed.",
        "I'd like to downgrade to nothing - i.e. cancel. The free tier is enough for us.",
        "cancel cancel cancel. I've tried in the app 3 times and it just says 'something went wrong'",
        "Hello, my father passed away in {month} and I need to close his Lumora account ({email}).",
    ],
    "account_access": [
        "I can't log in, it says my password is wrong but I just reset it.",
        "The 2FA code never arrives by SMS. I changed phone numbers last month. How do I get into my account?",
        "Someone changed my email address on my account!!! I got a notification at {time} and now I'm locked out.",
        "Reset link in the email says 'expired' every time, even when I click it right away.",
        "Account locked after too many attempts. It's been 24h and it's still locked. user: {email}",
        "I lost the phone with my authenticator app. Need to get back into my account, I have my recovery email.",
        "Sign in with Apple stopped working for me, it creates a new empty account instead of opening mine.",
    ],
    "shipping_delay": [
        "Where is my order {order}? Tracking hasn't updated since {date}.",
        "Order {order} was supposed to arrive on {date}. Nothing yet. Can you check with the courier?",
        "my {device} still hasnt shipped, it's been 10 days since I ordered. whats going on",
        "The tracking page says 'delivered' but there is no package at my door or with the neighbours. Order {order}.",
        "It's been stuck in customs for a week. Order {order}. Do I need to do something?",
        "Hi! Just checking on order {order} - the confirmation said 2-4 days and it's now day 9.",
    ],
    "billing": [
        "Why did my {plan} price go up from $4.99 to $6.99? I didn't get any notice.",
        "I need an invoice with our company VAT number for order {order}, the one I downloaded has no VAT ID.",
        "My card expired, how do I update the payment method? The app keeps showing 'payment failed'.",
        "There are two charges of {amount} on my statement from LUMORA*APP on {date}. Which one is for what?",
        "Can I switch from monthly to annual billing and get the annual price for the rest of this year?",
        "The receipt says {amount} but the app said {amount2}. Which is correct?",
        "Is sales tax included in the {plan} price? Our accounting needs to know.",
    ],
    "bug_report": [
        "The {device} goes offline every night around 3am and comes back at 7. Wi-Fi is fine for everything else.",
        "App crashes as soon as I open the camera history. iPhone 15, iOS 19.1, app version 7.{minor}.2.",
        "Motion alerts arrive 2-3 minutes late, by then the person is long gone.",
        "The thermostat schedule resets to default every time there's a power cut.",
        "Since the last update the {device} shows the wrong time in the recordings (one hour off).",
        "Dark mode makes the graph labels unreadable - black text on dark grey. Android 15, Pixel 8.",
        "Live view is just a black screen on the {device} but recordings work. Rebooted everything already.",
    ],
    "feature_request": [
        "Would love to see integration with Home Assistant. Any plans?",
        "Please add an option to export recordings in bulk instead of one at a time.",
        "Can you make the {device} work with Google Home routines? It's the only device in my house that doesn't.",
        "Feature idea: a 'vacation mode' that turns on all cameras and sets the thermostat to eco in one tap.",
        "It would be great if I could share access with my cleaner only on Tuesdays.",
        "Please support 5 GHz Wi-Fi on the {device}. My router doesn't do 2.4 anymore.",
    ],
    "how_to": [
        "How do I add a second user to my account so my partner can see the cameras?",
        "Where can I change the motion sensitivity for the {device}?",
        "how do i share a recording clip with the police? they asked me for the video",
        "Is it possible to set different schedules for weekdays and weekends? If so where?",
        "How do I move my {device} to a new Wi-Fi network without resetting it?",
        "What's the right way to mount the {device} on brick? The manual only shows wood.",
        "Can I use the {device} without a subscription? What features do I keep?",
    ],
}
MIXED = [  # (label by precedence, text)
    ("refund_request", "The {device} keeps disconnecting (known bug?) and I'm tired of it. Cancel my {plan} and refund this month's {amount}."),
    ("refund_request", "I can't log in to cancel and you charged me {amount} again. I want it back."),
    ("cancellation", "App crashes constantly since the update, so I'm done: please cancel my {plan} subscription."),
    ("cancellation", "I was charged {amount} for the annual plan. Fine, but please make sure it does NOT renew next year - cancel it."),
    ("account_access", "Locked out of my account AND the app crashes when I tap 'forgot password'. Help."),
    ("account_access", "How do I get back into my account? I no longer have access to the old email address."),
    ("shipping_delay", "My order {order} still hasn't arrived and I was already charged {amount}. When will it ship?"),
    ("billing", "The app shows 'payment failed' even though the money left my account on {date}. Is it charged or not?"),
    ("billing", "Does the {plan} price include the cloud storage add-on, or is that billed separately? The pricing page is unclear."),
    ("bug_report", "When I try to add my partner as a user (Settings > Members) the invite email never arrives. We tried 3 addresses."),
    ("bug_report", "Your website says the {device} supports Google Home, but linking fails with error 403 every time."),
    ("feature_request", "How do I export all my recordings at once? If that's not possible, please add it."),
]  # fmt: skip
STYLES = ["plain", "plain", "greeting", "caps", "subject", "phone"]


def slots(rng: random.Random) -> dict:
    name = rng.choice(NAMES)
    amount = rng.choice([4.99, 6.99, 49.99, 59.0, 129.0, 199.99, 12.5])
    return dict(
        amount=f"${amount:.2f}", amount2=f"${amount + rng.choice([1, 2, 5]):.2f}", plan=rng.choice(PLANS),
        device=rng.choice(DEVICES), order=f"LM-{rng.randint(100000, 999999)}", name=name,
        date=f"{rng.choice(['Nov', 'Oct', 'Sep'])} {rng.randint(1, 28)}", month=rng.choice(["August", "September", "October"]),
        email=f"{name.lower()}{rng.randint(1, 99)}@{rng.choice(['gmail.com', 'web.de', 'hotmail.com'])}",
        time=f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['am', 'pm'])}", minor=rng.randint(10, 40),
    )  # fmt: skip


def dress(rng: random.Random, body: str, ctx: dict) -> str:
    style = rng.choice(STYLES)
    if style == "greeting":
        body = rng.choice(["Hello,\n\n", "Hi Lumora team,\n\n", "Dear support,\n\n"]) + body
    elif style == "caps" and len(body) < 140:
        body = body.upper() + rng.choice(["", "!!!", " !!"])
    elif style == "subject":
        body = (
            f"Subject: {rng.choice(['Help', 'Question', 'URGENT', 'Issue with my account', 'Re: your order', '(no subject)'])}\n\n"
            + body
        )
    elif style == "phone":
        body = body.replace(". ", ".. ", 1).lower()
    sign = rng.choice(SIGN)
    return (body + sign).format(**ctx) if "{" in sign else body + sign


def rows() -> list[dict]:
    items: list[tuple[str, str]] = []
    for label in LABELS:
        items.extend((label, t) for t in T[label])
    items.extend(MIXED)
    out = []
    for n, (label, template) in enumerate(items, start=1):
        rng = random.Random(f"classification:{n}")
        ctx = slots(rng)
        text = dress(rng, template.format(**ctx), ctx)
        if rng.random() < 0.12:  # the long tail: a pasted thread or device log under the actual ask
            text += "\n\n---- previous conversation ----\n" + "\n".join(
                f"[{rng.randint(1, 28)}/{rng.randint(9, 11)} {rng.randint(8, 20)}:{rng.randint(0, 59):02d}] "
                + rng.choice(
                    [
                        "Agent: Thanks for reaching out! Could you try restarting the device?",
                        "Customer: tried that already",
                        "Agent: I've escalated this to our specialist team.",
                        "Agent: Is there anything else I can help you with today?",
                        "Customer: still the same",
                        "System: conversation closed due to inactivity",
                    ]
                )  # fmt: skip
                for _ in range(rng.randint(4, 9))
            )
        if n % 11 == 5:  # the long tail: a diagnostic dump pasted under the ticket
            text += "\n\n--- diagnostics (copied from app > Settings > About > Export log) ---\n" + "\n".join(
                f"2026-11-{rng.randint(20, 27)}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z "
                f"{rng.choice(['INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'])} "
                f"{rng.choice(['wifi', 'mqtt', 'ota', 'stream', 'auth', 'sched'])}: "
                + rng.choice(
                    [
                        "rssi=-71dBm channel=6",
                        "keepalive ok rtt=84ms",
                        "reconnect attempt 1/5",
                        "token refresh ok exp=3600",
                        "frame drop count=12",
                        "schedule applied id=wk-02",
                        "tls handshake 212ms",
                        "heap free=38211",
                        "firmware 4.18.2 up to date",
                    ]
                )  # fmt: skip
                for _ in range(rng.randint(60, 140))
            )
        distractors = list(CONFUSABLE[label])
        extra = rng.choice([lab for lab in LABELS if lab != label and lab not in distractors])
        out.append(
            {
                "id": f"cls-{n:04d}",
                "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
                "max_tokens": 64,  # room for a reasoning model's hidden tokens (they count against it)
                "gold": label,
                "distractors": distractors + [extra],
                "labels": LABELS,
                "meta": {"mixed": (label, template) in MIXED},
            }
        )
    return out
