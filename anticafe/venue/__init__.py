"""The venue itself: opening hours per weekday, shared by timed visits and bookings."""
