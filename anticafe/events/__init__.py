"""The event calendar: events, series, iCalendar feeds."""
