"""The command line, one module per stage (collect, curate, plan) plus the process commands
(runner); main.py assembles the parser."""
