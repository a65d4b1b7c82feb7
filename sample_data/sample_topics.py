"""Content for make_sample.py: the help-centre facts of "Fernleaf", a made-up invoicing app.

Each topic: category, whether a human must take over (escalate), ways customers ask, the
answer's sentences (each with interchangeable wordings), a plausible wrong variant of one
fact (for planted wrong-fact cases), a one-line gist for ticket summaries, and for some
topics the answer in Spanish and German (for planted language switches).
"""

from __future__ import annotations

TOPICS = [
    {
        "id": "refund", "category": "billing", "escalate": False,
        "asks": [
            "Can I get a refund on my annual plan? We bought it {days} days ago and it's not"
            " a fit.",
            "hi, what's your refund policy? i'm on the {plan} plan",
            "We were charged ${amount} for the yearly renewal but meant to downgrade. Refund?",
        ],
        "facts": [
            ["Annual plans can be refunded in full within 30 days of purchase.",
             "If you bought an annual plan in the last 30 days, we refund it in full."],
            ["Monthly plans aren't refunded, but you can cancel any time and keep access until"
             " the end of the billing period.",
             "Monthly plans are not refundable; cancelling stops the next charge and you keep"
             " access until the period ends."],
            ["To ask for one, open Settings > Billing > Request refund.",
             "You can request it under Settings > Billing > Request refund."],
        ],
        "wrong": ("30 days", "14 days"),
        "gist": "a refund on an annual plan",
        "es": "Los planes anuales se reembolsan por completo dentro de los 30 días posteriores"
              " a la compra. Puedes solicitarlo en Ajustes > Facturación > Solicitar reembolso.",
        "de": "Jahrespläne werden innerhalb von 30 Tagen nach dem Kauf vollständig erstattet."
              " Die Erstattung beantragst du unter Einstellungen > Abrechnung > Erstattung"
              " anfordern.",
    },
    {
        "id": "pricing", "category": "billing", "escalate": False,
        "asks": [
            "How much is the Pro plan per user?",
            "What's the difference in price between Pro and Business? We're {n} people.",
            "Quick one: is Starter still $12 a month?",
        ],
        "facts": [
            ["Starter is $12 per month for one user.",
             "The Starter plan costs $12/month (1 user)."],
            ["Pro is $29 per user per month and adds multi-currency and recurring invoices.",
             "Pro costs $29 per user each month, with multi-currency and recurring invoices."],
            ["Business is $59 per user per month and adds SSO and the QuickBooks integration.",
             "Business is $59/user/month, which adds SAML SSO and QuickBooks sync."],
        ],
        "wrong": ("$29 per user", "$39 per user"),
        "gist": "plan prices",
        "es": "Starter cuesta 12 $ al mes. Pro cuesta 29 $ por usuario al mes y Business 59 $"
              " por usuario al mes.",
        "de": "Starter kostet 12 $ pro Monat. Pro kostet 29 $ pro Nutzer und Monat, Business"
              " 59 $ pro Nutzer und Monat.",
    },
    {
        "id": "export", "category": "invoices", "escalate": False,
        "asks": [
            "How do I export all my invoices from {year} for my accountant?",
            "need a CSV of every invoice we sent last quarter, where is that",
            "Is there a way to download invoices {inv} to {inv2} as PDFs in one go?",
        ],
        "facts": [
            ["Go to Reports > Export > Invoices and pick the date range.",
             "Open Reports > Export > Invoices, then choose the date range you need."],
            ["You can download a CSV, or a ZIP with one PDF per invoice.",
             "Choose CSV for a spreadsheet or ZIP for a PDF of each invoice."],
            ["Large exports are emailed to you when they are ready.",
             "If the export is big, we email you a download link when it's done."],
        ],
        "wrong": ("Reports > Export > Invoices", "Settings > Data > Export"),
        "gist": "exporting invoices for an accountant",
        "es": "Ve a Informes > Exportar > Facturas y elige el rango de fechas. Puedes descargar"
              " un CSV o un ZIP con un PDF por factura.",
        "de": "Öffne Berichte > Export > Rechnungen und wähle den Zeitraum. Du kannst eine CSV"
              " oder ein ZIP mit einem PDF pro Rechnung herunterladen.",
    },
    {
        "id": "numbering", "category": "invoices", "escalate": False,
        "asks": [
            "Can I change the invoice number prefix from INV to {prefix}?",
            "Our invoice numbers skipped from {inv} to {inv2}, how do I reset the counter?",
            "how do i make invoice numbers start at {n}00",
        ],
        "facts": [
            ["Set the prefix and the next number under Settings > Invoices > Numbering.",
             "Under Settings > Invoices > Numbering you can change the prefix and next number."],
            ["A number that was already sent can't be reused, even if that invoice is voided.",
             "Numbers already used on a sent invoice stay taken, voided or not."],
        ],
        "wrong": ("can't be reused, even if that invoice is voided",
                  "can be reused once that invoice is voided"),
        "gist": "changing the invoice number sequence",
    },
    {
        "id": "late_fees", "category": "payments", "escalate": False,
        "asks": [
            "Can Fernleaf add late fees automatically when a client pays late?",
            "Client {client} is {days} days overdue on {inv}. Can I charge a late fee?",
            "how do late fees work",
        ],
        "facts": [
            ["Turn on late fees under Settings > Payments > Reminders.",
             "Late fees are switched on in Settings > Payments > Reminders."],
            ["You can choose a percentage or a flat amount.", "Pick a flat fee or a percentage."],
            ["The fee is added once per invoice, the day after the due date.",
             "It's applied a single time per invoice, on the day after it falls due."],
        ],
        "wrong": ("once per invoice", "every day"),
        "gist": "automatic late fees",
    },
    {
        "id": "two_factor", "category": "security", "escalate": True,
        "asks": [
            "I lost my phone and can't get past two-factor. Locked out of the account!",
            "our owner {name} left the company and 2FA is on her phone, how do we get in",
            "Reset 2FA for {email} please",
        ],
        "facts": [
            ["For your security, support can't turn off two-factor authentication from chat.",
             "We can't disable two-factor authentication over chat, for your account's safety."],
            ["The account owner should email security@fernleaf.example from the account's email"
             " address; we verify identity and reset it within one business day.",
             "Ask the account owner to write to security@fernleaf.example from the account"
             " email; after an identity check we reset it within one business day."],
        ],
        "wrong": ("can't turn off two-factor authentication from chat",
                  "can turn off two-factor authentication from the login page"),
        "gist": "getting back into an account locked by two-factor authentication",
        "es": "Por seguridad no podemos desactivar la autenticación en dos pasos por chat. El"
              " propietario de la cuenta debe escribir a security@fernleaf.example.",
        "de": "Aus Sicherheitsgründen können wir die Zwei-Faktor-Authentifizierung nicht per"
              " Chat abschalten. Der Kontoinhaber schreibt bitte an security@fernleaf.example.",
    },
    {
        "id": "stripe_sync", "category": "integrations", "escalate": False,
        "asks": [
            "A client paid {inv} through Stripe an hour ago but it still shows unpaid.",
            "How often does the Stripe integration sync payments?",
            "stripe payment not showing up on invoice {inv}",
        ],
        "facts": [
            ["Stripe payments sync every 15 minutes.",
             "We pull payments from Stripe every 15 minutes."],
            ["To sync right away, open Integrations > Stripe and click Sync now.",
             "You can force it with Integrations > Stripe > Sync now."],
            ["If it is still unpaid after a sync, check that the payment used the invoice's"
             " payment link.",
             "If a sync doesn't mark it paid, make sure the client paid through the invoice's"
             " own payment link."],
        ],
        "wrong": ("every 15 minutes", "once every 24 hours"),
        "gist": "a Stripe payment not showing on an invoice",
    },
    {
        "id": "quickbooks", "category": "integrations", "escalate": False,
        "asks": [
            "Does Fernleaf connect to QuickBooks Online?",
            "We're on {plan}. Can we sync our invoices to QuickBooks?",
            "will quickbooks sync pull our expenses too",
        ],
        "facts": [
            ["The QuickBooks Online integration is included in the Business plan.",
             "QuickBooks Online sync comes with the Business plan."],
            ["Connect it from Integrations > QuickBooks.",
             "Set it up under Integrations > QuickBooks."],
            ["It syncs invoices, customers and payments, but not expenses.",
             "Invoices, customers and payments sync; expenses do not."],
        ],
        "wrong": ("but not expenses", "and expenses"),
        "gist": "the QuickBooks integration",
    },
    {
        "id": "currency", "category": "invoices", "escalate": False,
        "asks": [
            "Can I invoice a client in {currency} while my account is in USD?",
            "which currencies do you support",
            "Where do your exchange rates come from? A {currency} invoice looks off.",
        ],
        "facts": [
            ["Pro and Business plans can invoice in 38 currencies.",
             "You can bill in any of 38 currencies on Pro and Business."],
            ["Exchange rates come from the European Central Bank and are updated daily.",
             "Rates are the European Central Bank's, refreshed every day."],
            ["Pick the currency when you create the invoice or on the client's profile.",
             "Set it per invoice, or as the default on the client's profile."],
        ],
        "wrong": ("updated daily", "updated weekly"),
        "gist": "invoicing in another currency",
        "es": "Los planes Pro y Business permiten facturar en 38 monedas. Los tipos de cambio"
              " son los del Banco Central Europeo y se actualizan a diario.",
        "de": "Mit Pro und Business kannst du in 38 Währungen abrechnen. Die Wechselkurse"
              " stammen von der Europäischen Zentralbank und werden täglich aktualisiert.",
    },
    {
        "id": "retention", "category": "account", "escalate": False,
        "asks": [
            "If we close our account, how long do you keep our invoices?",
            "GDPR question: can you delete all data about our client {client}?",
            "what happens to our data after we cancel",
        ],
        "facts": [
            ["Invoices are kept for 7 years after an account closes, because tax law requires"
             " it.",
             "Tax rules oblige us to keep invoices for 7 years after the account is closed."],
            ["Other personal data can be deleted on request through the privacy form in"
             " Settings > Account > Privacy.",
             "For other personal data, use the privacy request form under Settings > Account >"
             " Privacy."],
        ],
        "wrong": ("7 years", "3 years"),
        "gist": "how long data is kept after closing an account",
    },
    {
        "id": "rate_limit", "category": "technical", "escalate": False,
        "asks": [
            "We're getting HTTP 429 from the API when syncing {n}000 invoices. What's the limit?",
            "what is the API rate limit",
            "Our integration hits 'Too Many Requests' every night around {hour}:00.",
        ],
        "facts": [
            ["The API allows 600 requests per minute per API key.",
             "Each API key may make 600 requests a minute."],
            ["Past that it answers 429 with a Retry-After header; wait that many seconds and"
             " retry.",
             "Over the limit you get a 429 and a Retry-After header saying how long to wait."],
            ["For bulk jobs, the batch endpoint takes up to 100 invoices per request.",
             "Bulk syncs should use the batch endpoint: up to 100 invoices in one call."],
        ],
        "wrong": ("600 requests", "100 requests"),
        "gist": "API rate limits",
    },
    {
        "id": "sso", "category": "security", "escalate": False,
        "asks": [
            "Do you support SSO with {idp}?",
            "we need SAML single sign-on before security will approve you. which plan?",
            "Can I enforce SSO for everyone on our team?",
        ],
        "facts": [
            ["SAML single sign-on is available on the Business plan.",
             "SSO (SAML) comes with the Business plan."],
            ["It works with Okta, Microsoft Entra ID and Google Workspace.",
             "Okta, Microsoft Entra ID and Google Workspace are supported."],
            ["Once it is set up, an admin can require SSO for every member.",
             "Admins can then make SSO mandatory for the whole team."],
        ],
        "wrong": ("on the Business plan", "on the Pro plan"),
        "gist": "single sign-on",
    },
    {
        "id": "double_charge", "category": "billing", "escalate": True,
        "asks": [
            "I was charged twice this month, ${amount} each. Please fix!",
            "Duplicate charge on my card ending {last4}",
            "why are there two fernleaf charges on our statement??",
        ],
        "facts": [
            ["I'm sorry about that. I've passed this to our billing team to check.",
             "Sorry for the trouble; billing will look into the duplicate charge."],
            ["Confirmed duplicate charges are refunded to the original card within 5 to 7"
             " business days.",
             "If it is a duplicate, the refund reaches the original card in 5-7 business days."],
        ],
        "wrong": ("within 5 to 7 business days", "within 24 hours"),
        "gist": "a duplicate card charge",
        "es": "Lamentamos el cargo duplicado; el equipo de facturación lo revisará. Los cargos"
              " duplicados se reembolsan en 5 a 7 días hábiles.",
        "de": "Das tut uns leid; unser Abrechnungsteam prüft die doppelte Belastung. Doppelte"
              " Abbuchungen werden innerhalb von 5 bis 7 Werktagen erstattet.",
    },
    {
        "id": "close_account", "category": "account", "escalate": False,
        "asks": [
            "How do I close my Fernleaf account?",
            "We're moving to another tool. How do we cancel and delete everything?",
            "delete account",
        ],
        "facts": [
            ["Only the account owner can close the account, from Settings > Account > Close"
             " account.",
             "The account owner can close it under Settings > Account > Close account."],
            ["There is a 30-day grace period in which you can reopen it with everything intact.",
             "For 30 days afterwards you can still reopen it with all data in place."],
            ["Export your invoices first if you need them.",
             "If you need your invoices, export them before closing."],
        ],
        "wrong": ("There is a 30-day grace period in which you can reopen it with everything"
                  " intact.",
                  "Closing is immediate and cannot be undone."),
        "gist": "closing the account",
    },
    {
        "id": "team", "category": "account", "escalate": False,
        "asks": [
            "How do I add my bookkeeper {name} to our account?",
            "Can I invite {n} more people? What will it cost?",
            "is there a limit on team members",
        ],
        "facts": [
            ["Invite people from Settings > Team > Invite.",
             "Go to Settings > Team and click Invite."],
            ["On Pro and Business each member is billed per user; Starter has one user.",
             "Pro and Business bill per member; Starter is single-user."],
            ["You can give a bookkeeper the Accountant role, which can view and export but not"
             " send invoices.",
             "The Accountant role lets someone view and export without sending invoices."],
        ],
        "wrong": ("each member is billed per user", "the first 10 members are free"),
        "gist": "adding team members",
    },
    {
        "id": "recurring", "category": "invoices", "escalate": False,
        "asks": [
            "Can I bill {client} the same amount every month automatically?",
            "how do recurring invoices work",
            "Set up a quarterly retainer invoice for ${amount}?",
        ],
        "facts": [
            ["Create an invoice, then choose Make recurring before sending.",
             "When creating the invoice, pick Make recurring."],
            ["You can repeat weekly, monthly, quarterly or yearly.",
             "The schedule can be weekly, monthly, quarterly or yearly."],
            ["If the client saved a card, each invoice can be charged automatically.",
             "With a saved card, each new invoice can be charged on its own."],
        ],
        "wrong": ("weekly, monthly, quarterly or yearly", "weekly or monthly only"),
        "gist": "recurring invoices",
    },
    {
        "id": "payouts", "category": "payments", "escalate": False,
        "asks": [
            "When do card payments reach my bank account?",
            "Client paid ${amount} on {weekday}. When will I see the money?",
            "payout timing for EU accounts?",
        ],
        "facts": [
            ["Card payments are paid out to your bank 2 business days after the payment in the"
             " US, and 3 business days in the EU and UK.",
             "Payouts land 2 business days after a card payment for US accounts, 3 for EU and UK"
             " accounts."],
            ["You can see each payout under Payments > Payouts.",
             "Payments > Payouts lists every payout and its status."],
        ],
        "wrong": ("2 business days", "the same day"),
        "gist": "payout timing",
    },
    {
        "id": "portal", "category": "invoices", "escalate": False,
        "asks": [
            "Does my client need an account to pay an invoice?",
            "{client} says the payment link in the invoice email expired.",
            "how long are invoice links valid",
        ],
        "facts": [
            ["Clients pay from the link in the invoice email; they don't need an account.",
             "No account is needed: clients open the emailed link and pay."],
            ["Links stay valid for 90 days; resend the invoice to make a fresh one.",
             "Each link works for 90 days, and resending the invoice creates a new link."],
        ],
        "wrong": ("90 days", "30 days"),
        "gist": "an expired invoice payment link",
    },
    {
        "id": "blank_page", "category": "technical", "escalate": True,
        "asks": [
            "The invoices page is completely blank since this morning.",
            "Dashboard won't load, just a white screen in {browser}",
            "cant see any invoices, page empty, urgent we need to bill today",
        ],
        "facts": [
            ["Sorry about that. Please try a hard refresh (Ctrl+Shift+R) or a private window.",
             "Sorry! First try a private window or a hard refresh with Ctrl+Shift+R."],
            ["If it is still blank, I'm handing this to our engineers with your account"
             " details.",
             "If that doesn't help, our engineering team will take it from here."],
        ],
        "wrong": ("Ctrl+Shift+R", "Ctrl+Alt+Delete"),
        "gist": "a blank invoices page",
    },
    {
        "id": "chargeback", "category": "payments", "escalate": True,
        "asks": [
            "A client disputed a ${amount} payment with their bank. What do I do?",
            "Got a chargeback notice for {inv}",
            "how do disputes work",
        ],
        "facts": [
            ["When a client disputes a payment, the amount is held until the bank decides.",
             "During a dispute the amount is held until the bank rules."],
            ["Upload your evidence under Payments > Disputes within 7 days.",
             "You have 7 days to add evidence in Payments > Disputes."],
            ["Our payments team will review the case with you.",
             "Someone from our payments team will follow up with you."],
        ],
        "wrong": ("within 7 days", "within 30 days"),
        "gist": "a payment dispute",
    },
    {
        "id": "tax", "category": "invoices", "escalate": False,
        "asks": [
            "How do I add VAT to my invoices?",
            "Can one invoice have two tax rates? {n}% and 5%",
            "I need the reverse charge note for an EU client",
        ],
        "facts": [
            ["Create tax rates under Settings > Taxes and pick one per line item.",
             "Add your rates in Settings > Taxes; each line can use a different one."],
            ["For EU reverse charge, tick Reverse charge on the client's profile and the note is"
             " added for you.",
             "Turn on Reverse charge on the client's profile to print the legal note"
             " automatically."],
        ],
        "wrong": ("pick one per line item", "apply one rate to the whole invoice"),
        "gist": "tax rates on invoices",
    },
    {
        "id": "phishing", "category": "security", "escalate": True,
        "asks": [
            "I got an email from 'Fernleaf Billing' asking me to re-enter my card. Is it real?",
            "Is {email_from} one of your addresses? It wants my password.",
            "suspicious invoice email, looks fake",
        ],
        "facts": [
            ["We never ask for your password or card details by email.",
             "Fernleaf never asks for passwords or card numbers over email."],
            ["Please don't click the links. Forward the email to security@fernleaf.example and"
             " our security team will look at it.",
             "Don't use its links; forward it to security@fernleaf.example for our security"
             " team."],
        ],
        "wrong": ("never ask for your password", "only ask for your password once a year"),
        "gist": "a suspected phishing email",
    },
]

CATEGORIES = ["billing", "account", "invoices", "payments", "integrations", "security",
              "technical"]

SLOTS = {
    "days": ["3", "9", "12", "21", "26"],
    "plan": ["Starter", "Pro", "Business"],
    "amount": ["348", "59", "708", "1,416", "290", "1,200", "85.50", "2,350"],
    "n": ["3", "4", "7", "12", "18", "25"],
    "year": ["2023", "2024"],
    "inv": ["INV-1042", "INV-2208", "FL-0311", "INV-0977", "2024-118"],
    "inv2": ["INV-1090", "INV-2250", "FL-0400", "INV-1003", "2024-160"],
    "prefix": ["ACME-", "2025/", "NW", "INV-EU-"],
    "client": ["Halvorsen Bakery", "Okafor Design", "Blue Heron Dental", "Lumen Studio",
               "Marisol Imports", "Tanaka & Reyes LLP", "Quarry Street Cafe", "Northgate Fitness"],
    "name": ["Priya", "Daniel", "Mette", "Jonas", "Aisha", "Carlos", "Hannah", "Wei"],
    "email": ["ops@okafordesign.example", "mette@halvorsen.example", "it@lumen.example"],
    "currency": ["EUR", "GBP", "CAD", "JPY", "AUD", "CHF"],
    "hour": ["1", "2", "3", "23"],
    "idp": ["Okta", "Entra ID", "Google Workspace", "Azure AD"],
    "last4": ["4242", "0019", "7781", "3056"],
    "weekday": ["Monday", "Tuesday", "Friday", "Thursday"],
    "browser": ["Chrome", "Firefox", "Safari", "Edge"],
    "email_from": ["billing@fernleaf-payments.example", "no-reply@fernleaf.support.example"],
}

GREETINGS = ["", "Hi, ", "Hello! ", "Hey there, ", "Good morning. ", "Hi team, "]
SIGNOFFS = ["", " Thanks!", " Thanks in advance.", " Cheers", " - {name}", " Appreciate it."]
OPENERS = ["", "Thanks for reaching out! ", "Happy to help. ", "Good question. ",
           "Thanks for your message. "]
CLOSERS = ["", " Let me know if anything else comes up.", " Anything else I can help with?",
           " Hope that helps!"]
REFUSALS = [
    "I'm sorry, but I can't help with questions about specific accounts or payments. Please"
    " contact Fernleaf support directly.",
    "I'm not able to assist with that request.",
    "Sorry, I can't provide guidance on this topic. Please reach out to a human agent.",
    "I can't help with requests involving account security or billing details.",
]
AGENTS = ["Maya, Support", "Tomás, Support", "Ines, Billing", "Ravi, Support",
          "Greta, Tier 2"]
