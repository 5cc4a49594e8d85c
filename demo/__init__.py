"""Demo content helpers: generated artwork so the demo site ships no copied photos."""
