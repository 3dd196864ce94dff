"""Benchmarks run on demand (`broadcaster bench ...`), never in the test suite.

`pipeline` times the path from script to MP3; `scheduling` a slot's airing on the real daemon
and a simulated year of slots; `report` builds a large log and times the Office's report;
`clusters` runs thousands of simulated agents (`swarm`) against a real broker and a station
process (`station`); `spread` measures how evenly real agents start. `scratch` makes the
throwaway installation each of them works in."""
