"""Editions: events cloned from earlier ones, series of editions, retention of personal data."""
