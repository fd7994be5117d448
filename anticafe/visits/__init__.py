"""Timed visits: tariffs, guest cards, the live board, checkout and the shift report."""
