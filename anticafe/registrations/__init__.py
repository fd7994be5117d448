"""Registrations for events, the waitlist, QR tickets and notifications."""
