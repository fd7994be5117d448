"""How a guest pays: one set of payment methods for the till, passes and bookings (plain Python).

Their words are `visits.tariffs.METHOD_LABELS`, the till's, used by every domain that shows a method.
"""

import enum


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    TRANSFER = "transfer"
    #: free or paid for by someone else (the youth committee's programme...); a reason is required
    SUBSIDISED = "subsidised"
    #: all the time paid from prepaid passes: nothing to collect (set by the till, never chosen)
    PASS = "pass"
    #: nothing due at all (a short visit within the free minutes): set by the till, never chosen
    FREE = "free"


#: What staff choose at the till; `PASS` and `FREE` are what a visit costing nothing is closed as.
CHOSEN = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER, PaymentMethod.SUBSIDISED)
#: Closed without anything to collect: not money in the drawer, not revenue.
NOTHING_DUE = (PaymentMethod.SUBSIDISED, PaymentMethod.PASS, PaymentMethod.FREE)


#: The methods that take money: what a pass or a booking is sold for (never "subsidised").
MONEY = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)
