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


#: The methods that take money: what a pass or a booking is sold for (never "subsidised").
MONEY = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)
