"""The workload JSON format (docs/formats.md): a whole event (agenda and attendees) validated
and imported in one service, shared by the CLI, the demo, the benchmarks and the tests.

It sits above agenda and registration, whose models and rules it fills in bulk.
"""
