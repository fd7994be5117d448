"""Passes: prepaid minutes, memberships and subsidised allowances."""
