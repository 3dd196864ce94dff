"""Benchmarks run on demand (`broadcaster bench ...`), never in the test suite.

`pipeline` times the whole path from script to MP3 and a slot's airing; `report` builds a
large log and times the Office's report; `clusters` runs thousands of simulated agents
(`swarm`) against a real broker and a station process (`station`); `spread` measures how
evenly real agents start."""
