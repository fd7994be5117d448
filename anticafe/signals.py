"""The signals one domain sends and another answers: every reaction that crosses a domain's border.

A lower domain sends (it does not know who listens); a higher one connects its receivers in its own
`init_app`, which the factory calls (`anticafe.DOMAINS`). Receivers run in the sender's request and
transaction, in the order they were connected. Where the sender needs an answer, it reads what
`send()` returns: a list of `(receiver, value)` pairs; see `answers` and `first_answer`.

Blinker keeps weak references: connect module-level functions, never lambdas or bound methods of
temporary objects.
"""

from blinker import Namespace

_signals = Namespace()

code_scanned = _signals.signal("code-scanned", doc="""A scanned code that is no ticket reached the door.

Offered before the ticket lookup when the code cannot be a ticket of today's length (a guest card),
after it otherwise (`door.rules.ticket_first`).

Sent by `door.services.scan` with the code (str) as sender and `staff`, `device`, `event_id` and `log`
(the ScanLog entry being written). A receiver returns the 200 answer as a dict with a "result" (e.g.
{"result": "visit_started", "visit": {...}}) or None when the code is not its own; it may raise
DomainError to refuse, and may set `log.user_id`. The first answer wins (visits: guest cards).
""")

checked_in = _signals.signal("checked-in", doc="""A check-in row was inserted at the door.

Sent by `door.services.check_in` with the CheckIn as sender and `ticket` (door.tickets.Ticket: plain
values; `ticket.model()` is the ORM registration) and `staff`. A receiver returns a dict of extra
members for the door's answer (e.g. {"visit": {...}}) or None; raising DomainError undoes the
check-in (visits: a `timed` event's check-in starts the visit).
""")

check_in_undone = _signals.signal("check-in-undone", doc="""A check-in was undone at the door.

Sent by `door.services.undo_check_in` with the CheckIn as sender and `staff`. Raising DomainError
keeps the check-in standing (visits: the visit that check-in started is cancelled).
""")

zone_check = _signals.signal("zone-check", doc="""An event is about to be placed in a zone for a time slot.

Sent by `events.services` with the zone id as sender and `starts`, `ends` (UTC), the zone's row
already locked. A receiver returns a message saying why the zone is not free then, or None
(bookings: a confirmed booking with its cleaning buffer, or a closure).
""")

capacity_raised = _signals.signal("capacity-raised", doc="""An event's capacity was raised or lifted.

Sent by `events.services.update_event` with the Event as sender, before the request commits
(registrations: the waitlist moves up into the free seats).
""")

event_counts = _signals.signal("event-counts", doc="""The events calendar needs the people of some events.

Sent by `events.services.counts_for` with a tuple of event ids as sender. A receiver returns
{event_id: {field: number}} with fields of `events.rules.Counts` (registrations: `registered`,
`waitlisted`, `cancelled`; the door: `checked_in`). The answers are merged.
""")

event_people = _signals.signal("event-people", doc="""The events calendar writes to an event's people.

Sent by `events.services` (a cancellation, a new time or place) with the Event as sender. A receiver
returns the Users to tell, in a stable order (registrations: everybody confirmed or waitlisted).
""")

held_events = _signals.signal("held-events", doc="""A person's own calendar feed is being built.

Sent by `events.services.personal_events` with the User as sender. A receiver returns a SELECT of
the ids of the events the person holds a place at (registrations: confirmed registrations).
""")

people_inside = _signals.signal("people-inside", doc="""The door shows how many people are inside the café.

Sent by `door.attendance.attendance` with the moment (UTC datetime) as sender. A receiver returns the
number of people inside (visits: `visits.occupancy.occupancy`, the one definition of "inside now").
""")

home_sections = _signals.signal("home-sections", doc="""The home page is being shown.

Sent by `main.views.home` with the app as sender. A receiver returns a dict of template context
(events: what is on next; visits: the tariff in words; venue: the opening hours; registrations:
the visitor's next ticket and waitlist places; passes: the visitor's balances).
""")

me_document = _signals.signal("me-document", doc="""`GET /api/v1/me` is being answered.

Sent by `accounts.api.me_payload` with the User as sender. A receiver returns a dict of members to
add (events: the calendar feed; visits: the guest card).
""")

prepaid_sources = _signals.signal("prepaid-sources", doc="""A timed visit is being priced at checkout.

Sent by `visits.checkout.Pricer` with the Visit as sender. A receiver returns a PrepaidSource
(`visits.checkout.PrepaidSource`): something that can pay for minutes of the visit (passes).
""")

my_card_sections = _signals.signal("my-card-sections", doc="""A visitor's "My card" page is being shown.

Sent by `visits.views.my_card` with the User as sender. A receiver returns a (template name,
context) pair to include on the page (passes: the visitor's passes and balances).
""")

password_reset_requested = _signals.signal("password-reset-requested", doc="""Someone asked for a password-reset link.

Sent by `accounts.services.request_password_reset` with the User as sender and `token` (the raw token
of a fresh one-hour link; only its hash is stored), inside the request's transaction. Only for an
active account with a password, and within the account's limit (notifications: the outbox mails
the link in the person's language).
""")

committee_sections = _signals.signal("committee-sections", doc="""The committee's dashboard or period report is shown.

Sent by `stats.views` with the period (stats.rules.Period) as sender and `report` (True for the
printable period report). A receiver returns a (template name, context) pair to include: counts only,
never a person (voice: ratings after events and the most supported ideas).
""")

visit_company = _signals.signal("visit-company", doc="""The till offers a visit's company for a group bill.

Sent by `visits.board.company_of` with the Visit as sender. A receiver returns the ids of other visits
that came with it (bookings: the visits of the same booking's party), or None.
""")


event_sections = _signals.signal("event-sections", doc="""An event's page is being shown.

Sent by `events.views.detail` with the Event as sender. A receiver returns a (template name, context)
pair to include on the page, or None (voice: the event's contest, with a link to enter or vote).
""")


def answers(signal, sender, **kwargs) -> list:
    """Send `signal` and return the receivers' answers that are not None, in connection order."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]


def first_answer(signal, sender, **kwargs):
    """Ask the receivers in turn and return the first answer that is not None (the rest are not asked)."""
    for receiver in signal.receivers_for(sender):
        value = receiver(sender, **kwargs)
        if value is not None:
            return value
    return None
