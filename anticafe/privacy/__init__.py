"""Personal data: take it (export), erase it, keep it no longer than needed, and who looked at it."""
