"""The Faust worker: one app, its context and clock, health, tables, and its features (cases, hotspots, SLA, rates)."""
