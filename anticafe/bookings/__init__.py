"""Bookings: zones of the café reserved for a time slot."""
