"""The door: QR check-in, manual search, walk-ins, live attendance."""
