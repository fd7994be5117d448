"""The youth committee's statistics: dashboard, exports and the period report."""
