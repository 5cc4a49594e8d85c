"""The insights stage: figures per published feature and per day, for the impact report."""
