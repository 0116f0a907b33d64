"""Badges and door check-in: signed QR badges, scanning and the check-in log (issue #6)."""
