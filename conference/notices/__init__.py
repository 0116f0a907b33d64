"""Telling attendees when their sessions change: one mail per person per change set."""
