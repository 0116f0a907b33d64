"""Calendar feeds: iCalendar for calendar apps, public, per track/room, personal and staff."""
